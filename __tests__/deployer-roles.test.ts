// docs/security.md's "Roles of the deploying identity" is generated from constructs/guardrails/deployer-roles.ts;
// this holds that map to what the stack synthesizes: every google_* type (and data source) of every shipped config,
// fixture and shape variant is in it, lands where it says, and is created only in a shape that lists its roles.
import { DEPLOYED_TYPES, Placement, shapesOf, SHAPES } from "../constructs/guardrails/deployer-roles";
import { rolesForShape } from "../constructs/guardrails/security-doc";
import { synthesizedShapes } from "./synthesized-shapes";

const shapes = synthesizedShapes();
const byType = new Map(DEPLOYED_TYPES.map((t) => [t.type, t]));

/** Every google_* resource and data source block of a stack: its map key, and its config. */
function googleBlocks(tf: { resource?: Record<string, Record<string, any>>; data?: Record<string, Record<string, any>> }) {
  const of = (section: Record<string, Record<string, any>> | undefined, prefix: string) =>
    Object.entries(section ?? {})
      .filter(([type]) => type.startsWith("google_"))
      .flatMap(([type, blocks]) =>
        Object.entries(blocks).map(([name, config]) => ({ key: `${prefix}${type}`, address: `${prefix}${type}.${name}`, config })),
      );
  return [...of(tf.resource, ""), ...of(tf.data, "data.")];
}

describe("the deploying identity's roles cover every Terraform type the stack synthesizes", () => {
  it("synthesizes every shape the map names: each shape occurs in some config, fixture or variant", () => {
    const seen = new Set(shapes.flatMap((s) => shapesOf(s.config)));
    expect(Object.keys(SHAPES).filter((shape) => !seen.has(shape as never))).toEqual([]);
  });

  it.each(shapes.map((s) => [s.label, s] as const))(
    "%s: every google_* type is in the map, created in a shape the environment has",
    (_, { config, tf }) => {
      const has = shapesOf(config);
      const problems = googleBlocks(tf).flatMap(({ key }) => {
        const entry = byType.get(key);
        if (!entry) return [`${key} has no role in constructs/guardrails/deployer-roles.ts`];
        if (!entry.shapes.some((shape) => has.includes(shape)))
          return [`${key} is created in shapes ${has.join(", ")}, but the map lists it under ${entry.shapes.join(", ")} only`];
        return [];
      });
      expect([...new Set(problems)]).toEqual([]);
    },
  );

  it.each(shapes.map((s) => [s.label, s] as const))(
    "%s: every resource lands where the map says (project, host project, in its parent)",
    (_, { config, tf }) => {
      const hostProjects = [config.networks.private, ...(config.mode === "mirror" ? [config.networks.public] : [])]
        .map((net) => net.existing?.project)
        .filter((p): p is string => p !== undefined && p !== config.projectId);
      const placement = (project: unknown): Placement | string =>
        project === undefined
          ? "in its parent"
          : project === config.projectId
            ? "project"
            : hostProjects.includes(String(project))
              ? "host project"
              : `another project (${project})`;
      const problems = googleBlocks(tf).flatMap(({ key, address, config: block }) => {
        const where = placement(block.project);
        const entry = byType.get(key);
        return entry && !entry.placement.includes(where as Placement)
          ? [`${address} lands in ${where}; the map says ${entry.placement.join(", ")}`]
          : [];
      });
      expect(problems).toEqual([]);
    },
  );

  it("names no type that no config, fixture or variant synthesizes (the map holds no stale row)", () => {
    const synthesized = new Set(shapes.flatMap((s) => googleBlocks(s.tf).map((b) => b.key)));
    expect(DEPLOYED_TYPES.map((t) => t.type).filter((type) => !synthesized.has(type))).toEqual([]);
  });

  it("the Shared VPC shape needs Network User on the shared subnet, and each network role on the VPC's project, not the service project", () => {
    const roles = rolesForShape("shared-vpc").map(({ need }) => `${need.role} on ${need.on}`);
    expect(roles).toEqual(
      expect.arrayContaining([
        "roles/compute.networkUser on the shared subnet (or the host project)",
        expect.stringMatching(/^roles\/compute\.securityAdmin on the VPC's project/),
        expect.stringMatching(/^roles\/compute\.networkAdmin on the VPC's project/),
        expect.stringMatching(/^roles\/dns\.admin on the VPC's project/),
        expect.stringMatching(/^roles\/compute\.networkViewer on the VPC's project/),
      ]),
    );
  });

  it("every row names a create permission, a predefined role and a reference; an unconfirmed role says what is unconfirmed", () => {
    for (const t of DEPLOYED_TYPES) {
      expect([t.type, t.permission.length > 0, t.roles.length > 0, /^https:\/\//.test(t.source)]).toEqual([t.type, true, true, true]);
      for (const need of t.roles) {
        expect([t.type, need.role]).toEqual([t.type, expect.stringMatching(/^roles\/[a-z]+\.[A-Za-z.0-9]+$/)]);
        if (need.unconfirmed !== undefined) expect(need.unconfirmed.length).toBeGreaterThan(20);
      }
    }
  });
});
