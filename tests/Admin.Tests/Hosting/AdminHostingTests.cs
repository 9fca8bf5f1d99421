using KeyPortal.TestSupport;

namespace KeyPortal.Admin.Tests.Hosting;

public sealed class AdminHostingTests(PortalAppFactory<Program> factory)
    : AppHostingTests<Program>(factory), IClassFixture<PortalAppFactory<Program>>
{
    protected override string LandingPath => "/welcome";

    protected override string HomePageHeading => "Operator console";
}
