namespace KeyPortal.EndToEnd.SignIn;

[Collection(KeyPortalApps.Collection)]
public sealed class PortalSignInTests(KeyPortalApps apps)
{
    [Fact]
    public async Task Unauthenticated_visit_to_the_portal_ends_on_the_IdP_sign_in_page()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(Unauthenticated_visit_to_the_portal_ends_on_the_IdP_sign_in_page));
        var requests = new List<string>();
        journey.Page.Request += (_, request) => requests.Add(request.Url);

        await journey.Page.GotoAsync(apps.Portal.AbsoluteUri);

        Assert.Contains(requests, url => url.StartsWith(new Uri(apps.IdP, "connect/authorize?").AbsoluteUri, StringComparison.Ordinal));
        Assert.StartsWith(new Uri(apps.IdP, "signin").AbsoluteUri, journey.Page.Url, StringComparison.Ordinal);
        await journey.ScreenshotAsync("idp-sign-in");
    }
}
