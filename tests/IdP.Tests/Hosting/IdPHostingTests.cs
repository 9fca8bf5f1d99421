using KeyPortal.TestSupport;

namespace KeyPortal.IdP.Tests.Hosting;

public sealed class IdPHostingTests(PortalAppFactory<Program> factory)
    : AppHostingTests<Program>(factory), IClassFixture<PortalAppFactory<Program>>
{
    protected override string HomePageHeading => "Sign in to Key Portal";
}
