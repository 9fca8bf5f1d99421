using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.IdP;
using KeyPortal.IdP.Account;
using KeyPortal.IdP.Connect;
using KeyPortal.IdP.Federation;
using KeyPortal.IdP.Federation.Saml;
using KeyPortal.IdP.Federation.Oidc;
using KeyPortal.IdP.Links;
using KeyPortal.IdP.Sessions;
using KeyPortal.IdP.SignIn;

var builder = WebApplication.CreateBuilder(args);
builder.AddKeyPortalDefaults("KeyPortal.IdP");
builder.AddFeatureFolders();
builder.AddSignIn();
builder.AddEmailedLinks();
builder.AddAccountPage();
builder.AddIdentityProviderServer();
builder.Services.AddScoped<PasswordSignIn>();
builder.Services.AddScoped<RecentAuthentication>();
builder.AddFederation();

var app = builder.Build();
await app.MigrateOnStartupIfConfiguredAsync();

app.UseKeyPortalDefaults();
app.UseClientCredentialsShortcut();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapRazorPages();
app.MapKeyPortalHealth();
app.MapConnectEndpoints();
app.MapPasskeyEndpoints();
app.MapActivationEndpoints();
app.MapAccountEndpoints();
app.MapSsoEndpoints();
app.MapSamlEndpoints();
app.MapOidcFederation();
await app.RunAsync();

/// <summary>Entry point; public so integration tests can host the app.</summary>
public partial class Program;
