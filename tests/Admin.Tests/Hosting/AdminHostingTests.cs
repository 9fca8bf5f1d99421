using KeyPortal.TestSupport;

namespace KeyPortal.Admin.Tests.Hosting;

public sealed class AdminHostingTests(KeyPortalAppFactory<Program> factory)
    : AppHostingTests<Program>(factory), IClassFixture<KeyPortalAppFactory<Program>>
{
    protected override string LandingPath => "/welcome";

    protected override string HomePageHeading => "Operator console";
}
