import { ProjectService } from "@cdktf/provider-google/lib/project-service";
import { TerraformResource } from "cdktf";
import { Construct } from "constructs";

export interface ProjectServicesProps {
  readonly project: string;
  readonly services: readonly string[];
}

/** Enables the Google APIs the stack uses; left enabled on destroy, since other workloads may need them. */
export class ProjectServices extends Construct {
  readonly services: ProjectService[];

  constructor(scope: Construct, id: string, props: ProjectServicesProps) {
    super(scope, id);
    this.services = props.services.map(
      (service) =>
        new ProjectService(this, service.split(".")[0], { project: props.project, service, disableOnDestroy: false }),
    );
  }

  /** Make every other resource under `root` wait for the APIs, so a first apply on a new project succeeds. */
  orderBefore(root: Construct): void {
    for (const node of root.node.findAll()) {
      if (node instanceof TerraformResource && !(node instanceof ProjectService)) {
        node.dependsOn = [...(node.dependsOn ?? []), ...this.services.map((s) => s.fqn)];
      }
    }
  }
}
