namespace KeyPortal.EndToEnd.Hosting;

/// <summary>
/// The checks every journey runs on the pages it shows can fail: a console error, an uncaught
/// script error and an accessibility violation each become a problem of the journey, also on a
/// page the journey has already left.
/// </summary>
[Collection(KeyPortalApps.Collection)]
public sealed class JourneyChecksTests(KeyPortalApps apps)
{
    private const string UnnamedButton =
        """<!DOCTYPE html><html lang="en"><head><title>Unnamed</title></head><body><main><h1>Unnamed</h1><button type="button"></button>""" +
        """<a id="leave" href="http://localhost:5100/">Leave</a></main></body></html>""";

    [Fact]
    public async Task A_console_error_is_a_problem_of_the_journey()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(A_console_error_is_a_problem_of_the_journey));
        await journey.Page.GotoAsync(apps.IdP.AbsoluteUri);

        await journey.Page.EvaluateAsync("() => console.error('checks-console-error')");

        var problem = Assert.Single(await ProblemsAsync(journey));
        Assert.Contains("checks-console-error", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_uncaught_script_error_is_a_problem_of_the_journey()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(An_uncaught_script_error_is_a_problem_of_the_journey));
        await journey.Page.GotoAsync(apps.IdP.AbsoluteUri);

        await journey.Page.EvaluateAsync("() => { setTimeout(() => { throw new Error('checks-uncaught'); }); }");

        var problem = Assert.Single(await ProblemsAsync(journey));
        Assert.Contains("checks-uncaught", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_answer_of_the_apps_is_not_a_console_error()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(A_refusal_answer_of_the_apps_is_not_a_console_error));

        var response = await journey.Page.GotoAsync(new Uri(apps.IdP, "activate/forged-link-token").AbsoluteUri);

        Assert.InRange(response!.Status, 400, 499);
        await Assertions.Expect(journey.Page.Locator("#link-refused")).ToBeVisibleAsync();
        Assert.Empty(journey.Problems);
    }

    [Fact]
    public async Task An_accessibility_violation_on_the_page_fails_the_check()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(An_accessibility_violation_on_the_page_fails_the_check));
        await journey.Page.SetContentAsync(UnnamedButton);

        await journey.CheckAccessibilityAsync();

        Assert.Contains(journey.TakeProblems(), problem => problem.StartsWith("Accessibility (button-name, critical)", StringComparison.Ordinal));
        await journey.Page.GotoAsync("about:blank");
    }

    [Fact]
    public async Task A_page_is_checked_before_the_browser_leaves_it()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(A_page_is_checked_before_the_browser_leaves_it));
        // A page of the IdP's origin that the IdP does not have, answered by the browser itself.
        var unnamed = new Uri(apps.IdP, "checks/unnamed-button").AbsoluteUri;
        await journey.Page.RouteAsync(unnamed, route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = UnnamedButton }));
        await journey.Page.GotoAsync(unnamed);

        await journey.Page.Locator("#leave").ClickAsync();
        await journey.Page.WaitForURLAsync(apps.IdP.AbsoluteUri);

        Assert.Contains(journey.TakeProblems(), problem => problem.StartsWith("Accessibility (button-name, critical)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_inline_style_attribute_is_a_problem_of_the_journey()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(An_inline_style_attribute_is_a_problem_of_the_journey));
        var styled = new Uri(apps.IdP, "checks/inline-style").AbsoluteUri;
        await journey.Page.RouteAsync(styled, route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = """<!DOCTYPE html><html lang="en"><head><title>Styled</title></head><body><main><h1 style="color: #1b1f24">Styled</h1></main></body></html>""",
        }));

        await journey.Page.GotoAsync(styled);

        var problem = Assert.Single(await ProblemsAsync(journey));
        Assert.StartsWith("Inline style or script", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_style_set_after_the_page_was_served_is_not_the_servers_inline_style()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(A_style_set_after_the_page_was_served_is_not_the_servers_inline_style));
        var page = new Uri(apps.IdP, "checks/styled-later").AbsoluteUri;
        var script = new Uri(apps.IdP, "checks/styled-later.js").AbsoluteUri;
        await journey.Page.RouteAsync(script, route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/javascript",
            Body = """document.getElementById("later").style.color = "#1b1f24"; document.getElementById("token").setAttribute("style", "display: none");""",
        }));
        await journey.Page.RouteAsync(page, route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = $"""<!DOCTYPE html><html lang="en"><head><title>Styled later</title></head><body><main><h1 id="later">Later</h1><input type="hidden" id="token" value="x"><p id="served" style="color: #1b1f24">Served</p></main><script src="{script}"></script></body></html>""",
        }));

        await journey.Page.GotoAsync(page);

        var problem = Assert.Single(await ProblemsAsync(journey));
        Assert.Contains("<p id=\"served\"", problem, StringComparison.Ordinal);
    }

    /// <summary>The journey's problems once at least one arrived (events come in after the script ran), taken so the journey ends clean.</summary>
    private static async Task<IReadOnlyList<string>> ProblemsAsync(Journey journey)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (journey.Problems.Count == 0 && DateTime.UtcNow < deadline)
        {
            // Lets the page's event reach the journey; the wait ends as soon as it has.
            await journey.Page.EvaluateAsync("() => new Promise(resolve => requestAnimationFrame(() => resolve()))");
        }

        return journey.TakeProblems();
    }
}
