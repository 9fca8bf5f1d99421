using KeyPortal.TestSupport;

namespace KeyPortal.IdP.Tests.Hosting;

public sealed class IdPHostingTests(KeyPortalAppFactory<Program> factory)
    : AppHostingTests<Program>(factory), IClassFixture<KeyPortalAppFactory<Program>>
{
    protected override string HomePageHeading => "Sign in to Key Portal";
}
