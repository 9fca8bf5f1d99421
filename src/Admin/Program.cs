using KeyPortal.Admin.Management;
using KeyPortal.Admin.Operations;
using KeyPortal.Admin.PurchaseOrders;
using KeyPortal.Admin.Sessions;
using KeyPortal.Core;
using KeyPortal.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddKeyPortalDefaults("KeyPortal.Admin");
builder.AddRelyingPartyAuthentication(new RelyingParty
{
    ClientId = "admin",
    CookieName = "KeyPortal.Admin",
    PublicUrl = urls => urls.Admin,
    Admits = OperatorAdmission.IsPlatformOperatorAsync,
    // Operators' automation calls the API with its own token; OperatorCallers takes only the
    // configured clients' tokens with the operator scope.
    AdmitsClients = true,
    AdmitsClient = OperatorCallers.IsAutomationClient,
});
builder.Services.AddManagementApi();

if (OperatorCli.IsRequested(args))
{
    // The installation's commands (db migrate, operator add, org create, ...) run here and nowhere else.
    Environment.ExitCode = await OperatorCli.RunAsync(builder, args);
    return;
}

var app = builder.Build();

await app.MigrateOnStartupIfConfiguredAsync();

app.UseKeyPortalDefaults();
app.UseRelyingPartyAuthentication();
app.MapRazorPages();
app.MapKeyPortalHealth();
app.MapRelyingPartyAccount();
app.MapApi().MapPurchaseOrderApi().MapManagementApi();
app.MapApiDocumentation(ManagementApi.Title);
await app.RunAsync();

/// <summary>Entry point; public so integration tests can host the app.</summary>
public partial class Program;
