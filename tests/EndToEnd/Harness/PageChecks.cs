using System.Text.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;

namespace KeyPortal.EndToEnd.Harness;

/// <summary>
/// The accessibility check of the pages: axe-core (the copy in Deque.AxeCore) with the WCAG 2.2
/// AA rule set, failing on serious and critical violations (minor and moderate ones are left to
/// review). Each document checks itself when it has loaded (<see cref="LoadScript"/>), which also
/// reports inline styles and scripts; a test can check the page as it is at any moment
/// (<see cref="AccessibilityAsync"/>).
/// </summary>
public sealed class PageChecks(IPage page, string artifactDirectory)
{
    /// <summary>The function a document calls with its report (JSON array of violations).</summary>
    public const string ReportFunction = "__keyPortalPageChecked";

    /// <summary>WCAG 2.0, 2.1 and 2.2, levels A and AA (axe-core's tags; 2.2 adds only AA rules).</summary>
    public static IReadOnlyList<string> Tags { get; } = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

    private static readonly string[] FailingImpacts = ["serious", "critical"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Added to every document of a journey before its own scripts: axe-core, and a check of the
    /// document's top frame on <c>load</c> that reports to <see cref="ReportFunction"/>. Init
    /// scripts are not subject to the pages' Content-Security-Policy.
    /// </summary>
    public static string LoadScript { get; } = BuildLoadScript();

    /// <summary>A serious or critical rule violation: the rule, its help, and where on the page.</summary>
    public sealed record Violation(string Id, string Impact, string Help, string HelpUrl, IReadOnlyList<string> Nodes);

    /// <summary>One line per serious or critical violation on the page as it is now; none for pages that are not the apps'.</summary>
    public async Task<IReadOnlyList<string>> AccessibilityAsync()
    {
        var url = page.Url;
        if (!url.StartsWith("http", StringComparison.Ordinal) && !await HasContentAsync())
        {
            return [];
        }

        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. Tags] },
            ResultTypes = [ResultType.Violations],
        });
        var violations = result.Violations
            .Where(v => FailingImpacts.Contains(v.Impact))
            .Select(v => new Violation(v.Id, v.Impact, v.Help, v.HelpUrl, v.Nodes.Select(n => $"{n.Target} {n.Html}").ToList()))
            .ToList();
        if (violations.Count > 0)
        {
            // A picture of the violation for the reader; the violation itself is the result.
            await Artifacts.TryScreenshotAsync(page, Path.Combine(artifactDirectory, $"axe-{Guid.NewGuid():N}"[..12] + ".png"));
        }

        return violations.Select(v => Describe(url, v)).ToList();
    }

    /// <summary>The lines of a document's own report (<see cref="LoadScript"/>).</summary>
    public static IReadOnlyList<string> Violations(string report)
    {
        var parsed = JsonSerializer.Deserialize<LoadReport>(report, Json)
            ?? throw new InvalidOperationException($"Unreadable page check report: {report}");
        return parsed.Violations.Where(v => FailingImpacts.Contains(v.Impact)).Select(v => Describe(parsed.Url, v))
            .Concat(parsed.Inline.Select(element =>
                $"Inline style or script on {parsed.Url} (a Content-Security-Policy without 'unsafe-inline' refuses it): {element}"))
            .ToList();
    }

    private static string Describe(string url, Violation violation) =>
        $"Accessibility ({violation.Id}, {violation.Impact}) on {url}: {violation.Help} [{violation.HelpUrl.Split('?')[0]}] at " +
        string.Join("; ", violation.Nodes.Take(5));

    /// <summary>Content written with <c>SetContentAsync</c> (the checks' own tests) lives at about:blank.</summary>
    private async Task<bool> HasContentAsync() =>
        await page.EvaluateAsync<bool>("() => document.body !== null && document.body.children.length > 0");

    private static string BuildLoadScript()
    {
        using var stream = typeof(AxeResult).Assembly.GetManifestResourceStream("Deque.AxeCore.Commons.Resources.axe.min.js")
            ?? throw new InvalidOperationException("axe-core is missing from Deque.AxeCore.Commons.");
        using var reader = new StreamReader(stream);
        var axe = reader.ReadToEnd();
        var tags = JsonSerializer.Serialize(Tags);
        return axe + $$"""

            ;(() => {
              if (window !== window.top || !location.protocol.startsWith("http")) { return; }
              // What a Content-Security-Policy without 'unsafe-inline' would refuse in the document
              // as served: style attributes, inline scripts and handlers. An attribute set after
              // parsing (by a script of the page through the CSSOM, which the policy allows, or by
              // the browser itself, such as its autofill) is not the server's and is left out.
              const handlers = ["onclick", "onload", "onsubmit", "onchange", "oninput"];
              const changedLater = new WeakSet();
              const observer = new MutationObserver(records => records.forEach(r => changedLater.add(r.target)));
              observer.observe(document, { subtree: true, attributes: true, attributeFilter: ["style", ...handlers] });
              const describe = e => "<" + e.localName + [...e.attributes]
                .map(a => " " + a.name + "=\"" + (a.name === "value" ? "…" : a.value.slice(0, 80)) + "\"").join("") + ">";
              const check = async () => {
                observer.takeRecords().forEach(r => changedLater.add(r.target));
                observer.disconnect();
                const inline = [...document.querySelectorAll(["[style]", "script:not([src])", ...handlers.map(h => `[${h}]`)].join(", "))]
                  .filter(e => !changedLater.has(e))
                  .slice(0, 5).map(describe);
                let violations;
                try {
                  const result = await axe.run(document, { runOnly: { type: "tag", values: {{tags}} }, resultTypes: ["violations"] });
                  violations = result.violations.map(v => ({
                    id: v.id, impact: v.impact ?? "", help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.slice(0, 5).map(n => `${JSON.stringify(n.target)} ${n.html}`),
                  }));
                } catch (error) {
                  violations = [{ id: "axe-error", impact: "critical", help: String(error), helpUrl: "", nodes: [] }];
                }
                await window.{{ReportFunction}}(JSON.stringify({ url: location.href, violations, inline }));
              };
              if (document.readyState === "complete") { check(); } else { window.addEventListener("load", check, { once: true }); }
            })();
            """;
    }

    private sealed record LoadReport(string Url, IReadOnlyList<Violation> Violations, IReadOnlyList<string> Inline);
}
