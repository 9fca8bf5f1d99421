using System.Net;

namespace KeyPortal.EndToEnd.Hosting;

[Collection(KeyPortalApps.Collection)]
public sealed class AppsTests(KeyPortalApps apps)
{
    [Theory]
    [InlineData("IdP", KeyPortalApps.IdPPort)]
    [InlineData("Portal", KeyPortalApps.PortalPort)]
    [InlineData("Admin", KeyPortalApps.AdminPort)]
    public async Task Every_app_answers_ready(string app, int port)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://localhost:{port}/health/ready"));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{app}: {response.StatusCode}\n{await apps.LogTailAsync(app)}");
    }

    [Theory]
    [InlineData("IdP", KeyPortalApps.IdPPort, "/", "Key Portal")]
    [InlineData("Portal", KeyPortalApps.PortalPort, "/welcome", "Customer portal")]
    [InlineData("Admin", KeyPortalApps.AdminPort, "/welcome", "Operator console")]
    public async Task Public_pages_render_with_the_shared_layout(string app, int port, string path, string text)
    {
        await using var journey = await apps.StartJourneyAsync($"{nameof(Public_pages_render_with_the_shared_layout)}-{app}");

        var response = await journey.Page.GotoAsync($"http://localhost:{port}{path}");

        Assert.Equal(200, response!.Status);
        await Assertions.Expect(journey.Page.Locator(".site-header")).ToBeVisibleAsync();
        await Assertions.Expect(journey.Page.Locator("main")).ToContainTextAsync(text);
        await journey.ScreenshotAsync("landing");
    }
}
