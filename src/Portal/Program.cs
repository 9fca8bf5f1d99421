using KeyPortal.Core.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddPortalWebDefaults("KeyPortal.Portal");

var app = builder.Build();
if (await app.RunDatabaseTasksAsync(args))
{
    return;
}

app.UsePortalWebDefaults();
app.MapRazorPages();
app.MapPortalHealth();
await app.RunAsync();

/// <summary>Entry point; public so integration tests can host the app.</summary>
public partial class Program;
