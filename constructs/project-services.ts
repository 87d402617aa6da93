import { ProjectService } from "@cdktf/provider-google/lib/project-service";
import { Sleep } from "@cdktf/provider-time/lib/sleep";
import {
  Aspects,
  DefaultTokenResolver,
  dependable,
  IAspect,
  StringConcat,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  Tokenization,
} from "cdktf";
import { Construct, IConstruct } from "constructs";
import { defaultProviders, PROVIDER_TYPES } from "./stack-providers";

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

/** The constructs whose resources wait for APIs of their own (orderBefore): none of them waits for another's. */
const owners = new WeakSet<IConstruct>();
/** Each stack's ProjectServices that order their owner's resources. */
const orderedServices = new WeakMap<TerraformStack, ProjectServices[]>();

/** Enables the Google APIs the stack uses; left enabled on destroy, since other workloads may need them. */
export class ProjectServices extends Construct {
  readonly services: ProjectService[];
  /** Done when every API is enabled and has had time to propagate. */
  readonly ready: Sleep;
  readonly project: string;

  constructor(scope: Construct, id: string, props: ProjectServicesProps) {
    super(scope, id);
    this.project = props.project;
    this.services = props.services.map(
      (service) => new ProjectService(this, service.split(".")[0], { project: props.project, service, disableOnDestroy: false }),
    );
    this.ready = new Sleep(this, "propagation", {
      createDuration: `${props.propagationSeconds}s`,
      dependsOn: this.services,
      provider: props.timeProvider,
    });
  }

  /**
   * Make what uses the APIs wait for them, so a first apply on a new project succeeds: at synth (an Aspect
   * on `owner`'s stack, so a resource added after this call waits too), every resource under `owner` but
   * the services and the wait, and every other resource of the stack that creates something in the
   * project: a google or google-beta resource whose `project`, or else its provider's, is this project.
   * Never a resource under another owner (it waits for APIs of its own), nor one that these or another
   * owner's services or wait depend on (that would be a cycle).
   */
  orderBefore(owner: Construct): void {
    const stack = TerraformStack.of(owner);
    owners.add(owner);
    orderedServices.set(stack, [...(orderedServices.get(stack) ?? []), this]);
    Aspects.of(stack).add(new WaitForApis(this, owner));
  }
}

/** The Aspect of ProjectServices.orderBefore: adds the wait to each resource's depends_on, once. */
class WaitForApis implements IAspect {
  /** dependable(): Terraform wants a static reference (`type.name`) in depends_on, never "${...}". */
  private readonly wait: string;
  private readonly own: Set<IConstruct>;
  /** What one synth finds once (the visit of the stack, which comes first, forgets it). */
  private excluded?: Set<IConstruct>;
  private readonly defaultProviders = new Map<string, TerraformProvider | undefined>();

  constructor(
    private readonly services: ProjectServices,
    private readonly owner: IConstruct,
  ) {
    this.wait = dependable(services.ready);
    this.own = new Set(services.node.findAll());
  }

  visit(node: IConstruct): void {
    if (TerraformStack.isStack(node)) {
      this.excluded = undefined;
      this.defaultProviders.clear();
    }
    if (!TerraformResource.isTerraformResource(node) || this.own.has(node)) return;
    if (node.dependsOn?.includes(this.wait)) return;
    const owner = node.node.scopes.find((scope) => owners.has(scope));
    if (owner !== undefined ? owner !== this.owner : !this.createsInProject(node)) return;
    if (this.waitsDependOn().has(node)) return;
    node.dependsOn = [...(node.dependsOn ?? []), this.wait];
  }

  /** Whether `resource`, of no owner, is a google or google-beta resource in the services' project. */
  private createsInProject(resource: TerraformResource): boolean {
    const type = resource.terraformGeneratorMetadata?.providerName;
    if (type !== PROVIDER_TYPES.google && type !== PROVIDER_TYPES.googleBeta) return false;
    if (!this.defaultProviders.has(type)) this.defaultProviders.set(type, defaultProviders(TerraformStack.of(resource), type)[0]);
    const provider = resource.provider ?? this.defaultProviders.get(type);
    return (projectInput(resource) ?? (provider && projectInput(provider))) === this.services.project;
  }

  /**
   * The resources that the stack's ordered services and their waits depend on (their depends_on, transitively),
   * but those services and waits: found once per synth.
   */
  private waitsDependOn(): Set<IConstruct> {
    if (this.excluded) return this.excluded;
    const stack = TerraformStack.of(this.owner);
    const ordered = orderedServices.get(stack) ?? [];
    const own = new Set(ordered.flatMap((services) => services.node.findAll()));
    const byAddress = new Map<string, TerraformResource>();
    for (const node of stack.node.findAll()) {
      if (TerraformResource.isTerraformResource(node)) byAddress.set(`${node.terraformResourceType}.${node.friendlyUniqueId}`, node);
    }
    const resolver = new DefaultTokenResolver(new StringConcat());
    const found = new Set<IConstruct>();
    const pending: TerraformResource[] = ordered.flatMap((services) => [...services.services, services.ready]);
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      for (const entry of next.dependsOn ?? []) {
        const resolved: unknown = Tokenization.resolve(entry, { scope: stack, resolver });
        const target = typeof resolved === "string" ? byAddress.get(resolved) : undefined;
        if (target && !found.has(target) && !own.has(target)) {
          found.add(target);
          pending.push(target);
        }
      }
    }
    this.excluded = found;
    return found;
  }
}

/** The `project` argument a google resource or provider was given, if a literal one. */
function projectInput(element: object): string | undefined {
  const value = "projectInput" in element ? element.projectInput : undefined;
  return typeof value === "string" ? value : undefined;
}
