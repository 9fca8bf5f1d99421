using KeyPortal.TestSupport;

namespace KeyPortal.Portal.Tests.Hosting;

public sealed class PortalHostingTests(PortalAppFactory<Program> factory)
    : AppHostingTests<Program>(factory), IClassFixture<PortalAppFactory<Program>>
{
    protected override string LandingPath => "/welcome";

    protected override string HomePageHeading => "Customer portal";
}
