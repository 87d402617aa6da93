// The packages an app needs from a node_modules folder, read from npm's record of it (the hidden lockfile,
// node_modules/.package-lock.json): the named packages and, transitively, every dependency they declare,
// each resolved as node does, from the nearest node_modules up.

interface LockedPackage {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The lockfile key (`node_modules/a/node_modules/b`) that `name` resolves to from the package at `from`. */
function resolveFrom(packages: Record<string, LockedPackage>, from: string, name: string): string | undefined {
  for (let base = from; ;) {
    const candidate = `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    const up = base.lastIndexOf("/node_modules/");
    if (up < 0) break;
    base = base.slice(0, up);
  }
  return packages[`node_modules/${name}`] ? `node_modules/${name}` : undefined;
}

/**
 * The lockfile keys of `roots` and of everything they depend on, peers included. A dependency the lockfile
 * does not hold is an error, unless it is optional (npm leaves out those of other platforms).
 */
export function dependencyClosure(packages: Record<string, LockedPackage>, roots: string[]): string[] {
  const seen = new Set<string>();
  const queue = roots.map((name) => {
    const key = `node_modules/${name}`;
    if (!packages[key]) throw new Error(`${name} is not installed: run npm ci`);
    return key;
  });
  while (queue.length > 0) {
    const key = queue.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const { dependencies = {}, optionalDependencies = {}, peerDependencies = {}, peerDependenciesMeta = {} } = packages[key];
    for (const name of Object.keys({ ...dependencies, ...optionalDependencies, ...peerDependencies })) {
      const resolved = resolveFrom(packages, key, name);
      const optional = name in optionalDependencies || (!(name in dependencies) && peerDependenciesMeta[name]?.optional === true);
      if (resolved) queue.push(resolved);
      else if (!optional) throw new Error(`${key} depends on ${name}, which is not installed: run npm ci`);
    }
  }
  return [...seen].sort();
}

/** The top-level folders (`node_modules/x`, `node_modules/@scope/x`) that hold every package of a closure. */
export function topLevelFolders(closure: string[]): string[] {
  return [...new Set(closure.map((key) => /^node_modules\/(?:@[^/]+\/)?[^/]+/.exec(key)![0]))].sort();
}
