import { execFileSync, spawnSync } from "child_process";
import { existsSync, mkdtempSync, readdirSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { renderShellTemplate } from "../startup-script/render";
import { shellQuote } from "../startup-script/shell-quote";
import { bootstrapScript, mirrorScript } from "../startup-script/scripts";
import { exampleConfig, startupSources } from "./support";

const sandbox = mkdtempSync(path.join(tmpdir(), "airlock-quote-"));
const CANARY = path.join(sandbox, "pwned");

/** Values an attacker might put in a config to break out of a word and run code. */
const HOSTILE = [
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `'; touch ${CANARY}; '`,
  `"; touch ${CANARY}; "`,
  `x\ntouch ${CANARY}\n`,
  `\${IFS}touch\${IFS}${CANARY}`,
  `a' "$(touch ${CANARY})" 'b`,
  `*`,
  `-rf`,
  `\\'\\"\\\\`,
  `$HOME ~root !! #comment`,
  ``,
];

function bash(script: string): string {
  return execFileSync("bash", ["-c", script], { cwd: sandbox, encoding: "utf8" });
}

describe("shell quoting", () => {
  it.each(HOSTILE.map((v) => [JSON.stringify(v), v]))("keeps %s one literal word and runs nothing", (_label, value) => {
    const script = renderShellTemplate("probe", 'v={{value}}; a=({{value}} plain {{value}}); printf "%s|" "$v" "${#a[@]}" "${a[@]}"', {
      value,
    });
    expect(bash(script)).toBe(`${value}|3|${value}|plain|${value}|`);
    expect(existsSync(CANARY)).toBe(false);
  });

  it("quotes a value as exactly one word", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(bash(`printf '%s\\n' ${shellQuote("a b\tc")} | wc -l`).trim()).toBe("1");
  });

  it("refuses every tag but {{name}} (unescaped output, sections, partials) and values the template does not get", () => {
    expect(() => renderShellTemplate("t", "x={{{raw}}}", { raw: "1" })).toThrow(/only \{\{name\}\} tags are allowed \(not raw\)/);
    expect(() => renderShellTemplate("t", "x={{&raw}}", { raw: "1" })).toThrow(/only \{\{name\}\} tags/);
    expect(() => renderShellTemplate("t", "x={{#list}}{{.}}{{/list}}", { list: "1" })).toThrow(/only \{\{name\}\} tags/);
    expect(() => renderShellTemplate("t", "x={{^v}}y{{/v}}", { v: "1" })).toThrow(/only \{\{name\}\} tags/);
    expect(() => renderShellTemplate("t", "# {{> shared}}", {})).toThrow(/only \{\{name\}\} tags/);
    expect(() => renderShellTemplate("t", "{{=<% %>=}}x=<%v%>", { v: "1" })).toThrow(/only \{\{name\}\} tags/);
    expect(() => renderShellTemplate("t", "x={{missing}}", {})).toThrow(/no value for missing/);
    expect(() => renderShellTemplate("t", "x={{toString}}", {})).toThrow(/no value for toString/);
    expect(renderShellTemplate("t", "# x{{! }}\ny={{v}}\n  z", { v: "a b" })).toBe("# x\ny='a b'\n  z");
  });

  describe("the real startup scripts rendered with hostile values", () => {
    const hostile = HOSTILE[2];
    const endpoints = {
      arHost: hostile,
      helpersIndexUrl: hostile,
      helpersUploadUrl: hostile,
      pipIndexUrl: hostile,
      uploadRepoUrl: hostile,
    };
    const config = exampleConfig((c) => {
      c.mirror.packages = [hostile, HOSTILE[0]];
      c.mirror.pythonVersions = [HOSTILE[4]];
      c.mirror.platforms = [HOSTILE[1]];
      c.mirror.bootstrapPip = HOSTILE[6];
      c.mirror.sourceIndexUrl = HOSTILE[5];
      c.hosts.keyringVenv = HOSTILE[3];
      // Free text the config lets through its checks (a waiver's reason) and the keys of an object setting.
      if (c.mode === "mirror") {
        c.mirror.policy.waivers = [{ id: "GHSA-2222-3333-4444", reason: hostile }];
        c.mirror.policy.publishers = { [hostile]: hostile };
      }
    });
    const scripts = {
      mirror: mirrorScript(startupSources(), config, endpoints, HOSTILE[4]).text,
      bootstrap: bootstrapScript(startupSources(), config, endpoints, HOSTILE[4]).text,
    };

    it.each(Object.entries(scripts))("%s: parses as bash and stays shellcheck-clean", (_name, script) => {
      expect(spawnSync("bash", ["-n"], { input: script }).status).toBe(0);
      // SC2016 (info) on these values is the point: `$(...)` inside single quotes stays literal.
      const lint = spawnSync("shellcheck", ["-s", "bash", "--severity=warning", "-"], { input: script, encoding: "utf8" });
      expect(lint.stdout + lint.stderr).toBe("");
      expect(lint.status).toBe(0);
    });

    it.each(Object.entries(scripts))("%s: the hostile payload appears only inside single quotes", (_name, script) => {
      const { singleQuoted, elsewhere } = splitByQuoting(script);
      expect(singleQuoted).toContain(CANARY);
      expect(elsewhere).not.toContain(CANARY);
      expect(readdirSync(sandbox)).not.toContain("pwned");
    });
  });
});

/**
 * Split bash source into what sits inside single quotes (never expanded) and everything else (code,
 * double-quoted strings, heredoc bodies). Whole-line comments are dropped.
 */
function splitByQuoting(script: string): { singleQuoted: string; elsewhere: string } {
  let singleQuoted = "";
  let elsewhere = "";
  const lines = script.split("\n");
  let state: "none" | "single" | "double" = "none";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (state === "none" && line.trimStart().startsWith("#")) continue;
    const heredoc = state === "none" ? /<<-?\s*['"]?([A-Za-z_]+)['"]?/.exec(line) : null;
    for (let j = 0; j < line.length; j++) {
      const c = line[j];
      if (state === "single") {
        if (c === "'") state = "none";
        else singleQuoted += c;
      } else if (c === "\\") {
        elsewhere += line.slice(j, j + 2);
        j++;
      } else if (state === "double") {
        if (c === '"') state = "none";
        elsewhere += c;
      } else if (c === "'") {
        state = "single";
      } else {
        if (c === '"') state = "double";
        elsewhere += c;
      }
    }
    if (heredoc) {
      while (i + 1 < lines.length && lines[i + 1].trim() !== heredoc[1]) elsewhere += lines[++i] + "\n";
      i++;
    }
    singleQuoted += "\n";
    elsewhere += "\n";
  }
  expect(state).toBe("none");
  return { singleQuoted, elsewhere };
}
