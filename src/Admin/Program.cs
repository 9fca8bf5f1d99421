using KeyPortal.Admin.Sessions;
using KeyPortal.Core.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddPortalWebDefaults("KeyPortal.Admin");
builder.AddRelyingPartyAuthentication(new RelyingParty
{
    ClientId = "admin",
    CookieName = "KeyPortal.Admin",
    PublicUrl = urls => urls.Admin,
    Admits = OperatorAdmission.IsPlatformOperatorAsync,
});

var app = builder.Build();
if (await app.RunDatabaseTasksAsync(args))
{
    return;
}

app.UsePortalWebDefaults();
app.UseRelyingPartyAuthentication();
app.MapRazorPages();
app.MapPortalHealth();
app.MapRelyingPartyAccount();
await app.RunAsync();

/// <summary>Entry point; public so integration tests can host the app.</summary>
public partial class Program;
