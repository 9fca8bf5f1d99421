using KeyPortal.Core.Hosting;
using KeyPortal.Portal.Organizations;
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
builder.AddCurrentOrganization();

var app = builder.Build();
if (await app.RunDatabaseTasksAsync(args))
{
    return;
}

app.UsePortalWebDefaults();
app.UseAuthentication();
app.UseCurrentOrganization();
app.UseAuthorization();
app.MapRazorPages();
app.MapPortalHealth();
app.MapRelyingPartyAccount();
app.MapOrganizationSwitch();
await app.RunAsync();

/// <summary>Entry point; public so integration tests can host the app.</summary>
public partial class Program;
