using KeyPortal.TestSupport;

namespace KeyPortal.Portal.Tests.Hosting;

public sealed class PortalHostingTests(KeyPortalAppFactory<Program> factory)
    : AppHostingTests<Program>(factory), IClassFixture<KeyPortalAppFactory<Program>>
{
    protected override string LandingPath => "/welcome";

    protected override string HomePageHeading => "Customer portal";
}
