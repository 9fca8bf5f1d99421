namespace KeyPortal.IdP.Account;

internal static class AccountSetup
{
    /// <summary>The services behind the account page's actions.</summary>
    public static WebApplicationBuilder AddAccountPage(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<CurrentPasswordCheck>();
        builder.Services.AddScoped<PasswordChange>();
        builder.Services.AddScoped<AuthenticatorSetup>();
        return builder;
    }
}
