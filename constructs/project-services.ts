import { ProjectService } from "@cdktf/provider-google/lib/project-service";
import { Sleep } from "@cdktf/provider-time/lib/sleep";
import { dependable, TerraformProvider, TerraformResource } from "cdktf";
import { Construct } from "constructs";

export interface ProjectServicesProps {
  readonly project: string;
  readonly services: readonly string[];
  /**
   * How long to wait after the APIs are enabled before anything uses them. Enabling returns before the
   * API is usable everywhere (a new project's first service account fails on a freshly enabled
   * iam.googleapis.com), so the first apply waits this long once.
   */
  readonly propagationSeconds: number;
  /** The time provider of the wait. @default the stack's default time provider */
  readonly timeProvider?: TerraformProvider;
}

/** Enables the Google APIs the stack uses; left enabled on destroy, since other workloads may need them. */
export class ProjectServices extends Construct {
  readonly services: ProjectService[];
  /** Done when every API is enabled and has had time to propagate. */
  readonly ready: Sleep;

  constructor(scope: Construct, id: string, props: ProjectServicesProps) {
    super(scope, id);
    this.services = props.services.map(
      (service) =>
        new ProjectService(this, service.split(".")[0], { project: props.project, service, disableOnDestroy: false }),
    );
    this.ready = new Sleep(this, "propagation", { createDuration: `${props.propagationSeconds}s`, dependsOn: this.services, provider: props.timeProvider });
  }

  /** Make every other resource under `root` wait for the APIs, so a first apply on a new project succeeds. */
  orderBefore(root: Construct): void {
    const own = new Set(this.node.findAll());
    for (const node of root.node.findAll()) {
      if (TerraformResource.isTerraformResource(node) && !own.has(node)) {
        // dependable(): Terraform wants a static reference (`type.name`) in depends_on, never "${...}".
        node.dependsOn = [...(node.dependsOn ?? []), dependable(this.ready)];
      }
    }
  }
}
