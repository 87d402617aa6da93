// Helpers stay current: each boot installs what the auth repo serves now (a new bundle over the old one,
// or pip --upgrade without one), and reports each distribution that changed; the same bundle again is
// neither fetched nor installed.
import { buildStack, exampleConfig } from "./support";
import { withFunctions } from "./script-support";

const BOOTSTRAP = buildStack(exampleConfig()).stack.bootstrapScript;

describe("the bootstrap keeps the helpers current", () => {
  it("reports each upgrade, addition and removal, and counts one change for them", () => {
    const out = withFunctions(BOOTSTRAP, `
      date() { printf 'T'; }
      printf 'cffi==2.1.1\\nkeyring==25.7.0\\npip==26.2.1\\nsix==1.0\\n' >"$TMP_BEFORE"
      venv_freeze() { printf 'cffi==2.1.1\\njaraco.context==6.1.2\\nkeyring==25.8.0\\npip==26.2.1\\n'; }
      CHANGES=0; report_upgrades "$TMP_BEFORE"; echo "changes=$CHANGES"
      venv_freeze() { cat "$TMP_BEFORE"; }
      CHANGES=0; report_upgrades "$TMP_BEFORE"; echo "changes=$CHANGES"
    `, { TMP_BEFORE: `${process.env.TMPDIR ?? "/tmp"}/freeze-${process.pid}.txt` });
    const [first, second] = out.split("changes=1\n");
    expect(first).toContain("helpers: keyring 25.7.0 -> 25.8.0");
    expect(first).toContain("helpers: jaraco.context (new) -> 6.1.2");
    expect(first).toContain("helpers: six 1.0 -> (gone)");
    expect(first).toContain("helpers: 3 distribution(s) changed");
    expect(first).not.toContain("cffi");
    expect(second.trim()).toBe("changes=0");
  });

  it("the bundle it was installed from again: nothing fetched, nothing installed", () => {
    const out = withFunctions(BOOTSTRAP, `
      date() { printf 'T'; }
      WORK_DIR=$(mktemp -d); VENV_DIR=$(mktemp -d)
      HELPERS_SOURCE=bundle BUNDLE_FILE=pip_airlock_helpers-3.7-py3-none-any.whl BUNDLE_SHA256=abc
      printf '%s\\n' "$BUNDLE_FILE $BUNDLE_SHA256" >"$VENV_DIR/.pip-airlock-bundle"
      helpers_installed() { :; }
      venv_freeze() { :; }
      fetch_bundle() { echo FETCHED; }
      install_from_bundle() { echo INSTALLED; }
      ensure_helpers; echo "rc=$?"
      BUNDLE_FILE=pip_airlock_helpers-4.9-py3-none-any.whl BUNDLE_SHA256=def
      ensure_helpers; echo "rc=$?"; cat "$VENV_DIR/.pip-airlock-bundle"
      rm -rf "$WORK_DIR" "$VENV_DIR"
    `);
    const [same, next, record] = out.split("rc=0\n");
    expect(same).toContain("already installed from pip_airlock_helpers-3.7-py3-none-any.whl");
    expect(same).not.toMatch(/FETCHED|INSTALLED/);
    expect(next).toContain("FETCHED");
    expect(next).toContain("INSTALLED");
    expect(record.trim()).toBe("pip_airlock_helpers-4.9-py3-none-any.whl def");
  });
});
