using Microsoft.AspNetCore.DataProtection;

namespace KeyPortal.IdP.Passkeys;

/// <summary>
/// The name of a just-created passkey, protected, on its way to the "passkey created" page: the
/// page never shows words from the address bar.
/// </summary>
internal static class PasskeyCreatedName
{
    public static ITimeLimitedDataProtector Protector(IServiceProvider services) =>
        Protector(services.GetRequiredService<IDataProtectionProvider>());

    public static ITimeLimitedDataProtector Protector(IDataProtectionProvider protection) =>
        protection.CreateProtector("KeyPortal.IdP.PasskeyCreated").ToTimeLimitedDataProtector();
}
