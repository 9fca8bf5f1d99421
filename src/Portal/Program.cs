using KeyPortal.Core.Hosting;
using KeyPortal.Portal.Sessions;

var builder = WebApplication.CreateBuilder(args);
builder.AddPortalWebDefaults("KeyPortal.Portal");
builder.AddRelyingPartyAuthentication(new RelyingParty
{
    ClientId = "portal",
    CookieName = "KeyPortal.Portal",
    PublicUrl = urls => urls.Portal,
    Admits = PortalAdmission.IsMemberOfAnOrganizationAsync,
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
