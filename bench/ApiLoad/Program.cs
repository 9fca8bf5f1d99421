// Load generator for the delivery API.
//   KeyPortal.ApiLoad setup <shipments>: against the configured database (Database__*), gives the
//     demo Owner of Contoso a purchase order with <shipments> shipment requests and an API token;
//     prints the token.
//   KeyPortal.ApiLoad load <url> <connections> <seconds> <bearer token or -> [--server-pids p,p]:
//     C connections GET the url for D seconds (after a 3 s warm-up); prints one JSON line with
//     requests/s, p50/p99 latency, errors and the server's CPU per request.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using KeyPortal.Core;
using KeyPortal.Core.ApiTokens;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

if (args[0] == "profile")
{
    var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
    var services = new ServiceCollection()
        .AddLogging(b => { if (args.Length > 1) { b.AddConsole().AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Information); } })
        .AddSingleton<IConfiguration>(configuration);
    services.AddPortalCore(configuration);
    await using var provider = services.BuildServiceProvider();
    Guid org;
    await using (var s0 = provider.CreateAsyncScope())
    {
        org = (await s0.ServiceProvider.GetRequiredService<PortalDbContext>().Organizations.SingleAsync(o => o.Slug == "contoso")).Id;
    }

    foreach (var round in new[] { 50, 500 })
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < round; i++)
        {
            await using var scope = provider.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DeliveryQueries>().ShipmentsAsync(org, new ShipmentFilter(), null, 50);
        }

        Console.WriteLine($"shipments page: {watch.Elapsed.TotalMilliseconds / round:F2} ms");
        watch.Restart();
        for (var i = 0; i < round; i++)
        {
            await using var scope = provider.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DeliveryQueries>().PurchaseOrdersAsync(org, true, false, null, null, 50);
        }

        Console.WriteLine($"orders page: {watch.Elapsed.TotalMilliseconds / round:F2} ms");
    }

    return;
}

if (args[0] == "setup")
{
    Console.WriteLine(await SetupAsync(int.Parse(args[1], CultureInfo.InvariantCulture)));
    return;
}

var url = new Uri(args[1]);
var connections = int.Parse(args[2], CultureInfo.InvariantCulture);
var seconds = int.Parse(args[3], CultureInfo.InvariantCulture);
var bearer = args[4] == "-" ? null : args[4];
int[] serverPids = args.Length > 6 && args[5] == "--server-pids"
    ? [.. args[6].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))]
    : [];

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
using var http = new HttpClient(handler);
if (bearer is not null)
{
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
}

async Task<bool> CallAsync()
{
    using var response = await http.GetAsync(url);
    await response.Content.ReadAsByteArrayAsync();
    return response.StatusCode == HttpStatusCode.OK;
}

var warm = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
{
    while (warm.Elapsed < TimeSpan.FromSeconds(3))
    {
        await CallAsync();
    }
}));

var latencies = new List<double>[connections];
var errors = 0;
var serverCpu0 = ServerCpu();
var clock = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
{
    var mine = latencies[worker] = new List<double>(4096);
    while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
    {
        var start = Stopwatch.GetTimestamp();
        if (!await CallAsync())
        {
            Interlocked.Increment(ref errors);
        }

        mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
}));
var elapsed = clock.Elapsed.TotalSeconds;
var serverCpu = ServerCpu() - serverCpu0;
var all = latencies.SelectMany(l => l).Order().ToArray();
var perSecond = (all.Length - errors) / elapsed;
Console.WriteLine(JsonSerializer.Serialize(new
{
    connections,
    seconds = Math.Round(elapsed, 1),
    requests = all.Length,
    requestsPerSecond = Math.Round(perSecond, 1),
    p50Ms = Math.Round(all[all.Length / 2], 2),
    p99Ms = Math.Round(all[(int)(all.Length * 0.99)], 2),
    errors,
    serverCpuMsPerRequest = serverPids.Length == 0 || perSecond == 0 ? (double?)null : Math.Round(serverCpu * 1000 / (perSecond * elapsed), 3),
}));

double ServerCpu()
{
    double total = 0;
    foreach (var pid in serverPids)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        total += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    return total;
}

static async Task<string> SetupAsync(int shipments)
{
    var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
    var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
    services.AddPortalCore(configuration);
    await using var provider = services.BuildServiceProvider();
    await using var scope = provider.CreateAsyncScope();
    var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
    var customer = await db.Organizations.SingleAsync(o => o.Slug == "contoso");
    var owner = await db.Users.SingleAsync(u => u.NormalizedEmail == "OWNER@CONTOSO.EXAMPLE");
    var actor = AuditActor.ForUser(owner, "127.0.0.1");
    var order = await db.PurchaseOrders.Include(o => o.Lines).SingleOrDefaultAsync(o => o.Number == "PO-BENCH-0001")
        ?? await scope.ServiceProvider.GetRequiredService<PurchaseOrderService>().CreateAsync(AuditActor.System,
            new PurchaseOrderInput("PO-BENCH-0001", customer.Id, null, null, [new("YubiKey 5 NFC", 1_000_000)]));
    var shipmentService = scope.ServiceProvider.GetRequiredService<ShipmentService>();
    for (var i = await db.ShipmentRequests.CountAsync(s => s.PurchaseOrderId == order.Id); i < shipments; i++)
    {
        await shipmentService.CreateAsync(actor, customer.Id, new ShipmentInput(order.Id,
            new ShippingAddress($"Recipient {i}", $"recipient{i}@example.com", "+46 8 123 456 78", $"Drottninggatan {i % 90 + 1}", "Stockholm", null, "111 51", "SE"),
            [new ShipmentItemInput(order.Lines[0].Id, 1)], null));
    }

    var token = await scope.ServiceProvider.GetRequiredService<ApiTokenService>().GenerateAsync(actor, customer.Id, $"Benchmark {DateTime.UtcNow:O}", null);
    return token.Value;
}
