using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Portal.Delivery;
using KeyPortal.Portal.Organizations;
using KeyPortal.Portal.Sessions;
using KeyPortal.Portal.SingleSignOn;

var builder = WebApplication.CreateBuilder(args);
builder.AddKeyPortalDefaults("KeyPortal.Portal");
builder.AddRelyingPartyAuthentication(new RelyingParty
{
    ClientId = "portal",
    CookieName = "KeyPortal.Portal",
    PublicUrl = urls => urls.Portal,
    Admits = PortalAdmission.IsMemberOfAnOrganizationAsync,
    // Customers' systems call the delivery API with their own tokens (they hold no member permission).
    AdmitsClients = true,
    AdmitsApiTokens = true,
});

builder.Services.AddSingleSignOnSettings();
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
builder.Services.AddApiDocumentation(
    "KeyPortal delivery API",
    "Purchase orders, shipment requests and address validation for customers' shipping systems. Authenticate with an API token (organization name menu > Manage API token).");

var app = builder.Build();
await app.MigrateOnStartupIfConfiguredAsync();

app.UseKeyPortalDefaults();
app.UseAuthentication();
app.UseCurrentOrganization();
app.UseAuthorization();
app.MapRazorPages();
app.MapKeyPortalHealth();
app.MapRelyingPartyAccount();
app.MapOrganizationSwitch();
app.MapApi().MapOrganizationApi().MapDeliveryApi();
app.MapApiDocumentation("KeyPortal delivery API");
await app.RunAsync();

/// <summary>Entry point; public so integration tests can host the app.</summary>
public partial class Program;
