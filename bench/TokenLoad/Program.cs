// Load generator for the token endpoint: C concurrent connections post client_credentials
// requests for D seconds; prints one JSON line with throughput, latency percentiles, errors, and
// the CPU used in the measured window by this process and (given their ids) the server's.
// Usage: KeyPortal.TokenLoad <token endpoint> <connections> <seconds> <client id> <secret>
//          [--warmup <seconds, default 3>] [--server-pids <pid,pid,...>] [--get]
// With --get, each request is a plain GET of the endpoint (e.g. /health/live, the cheapest request
// the app serves) and a 200 is a success: the same load, for the limit a token is measured against.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

var endpoint = new Uri(args[0]);
var connections = int.Parse(args[1], CultureInfo.InvariantCulture);
var seconds = int.Parse(args[2], CultureInfo.InvariantCulture);
var warmup = TimeSpan.FromSeconds(3);
int[] serverPids = [];
var plainGet = args.Contains("--get");
for (var i = 5; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--get":
            i--;
            break;
        case "--warmup":
            warmup = TimeSpan.FromSeconds(double.Parse(args[i + 1], CultureInfo.InvariantCulture));
            break;
        case "--server-pids":
            serverPids = [.. args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
            break;
        default:
            throw new ArgumentException($"Unknown option {args[i]}");
    }
}

// The form is encoded once; each request only wraps the bytes (the generator shares the cores).
var form = Encoding.ASCII.GetBytes(
    $"grant_type=client_credentials&client_id={Uri.EscapeDataString(args[3])}&client_secret={Uri.EscapeDataString(args[4])}&scope=api");
var formType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
HttpContent Form() => new ByteArrayContent(form) { Headers = { ContentType = formType } };

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
using var http = new HttpClient(handler);

// Warm-up: JIT, connection pool, database caches.
var warmUntil = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
{
    while (warmUntil.Elapsed < warmup)
    {
        using var response = plainGet ? await http.GetAsync(endpoint) : await http.PostAsync(endpoint, Form());
        await response.Content.ReadAsByteArrayAsync();
    }
}));

var latencies = new List<double>[connections];
var errors = 0;
var self = Process.GetCurrentProcess();
var selfCpu0 = self.TotalProcessorTime;
var serverCpu0 = ServerCpu();
var clock = Stopwatch.StartNew();
var duration = TimeSpan.FromSeconds(seconds);
await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
{
    var mine = latencies[worker] = new List<double>(4096);
    while (clock.Elapsed < duration)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var response = plainGet ? await http.GetAsync(endpoint) : await http.PostAsync(endpoint, Form());
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK || (!plainGet && body.AsSpan().IndexOf("\"access_token\""u8) < 0))
            {
                Interlocked.Increment(ref errors);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // A refused, reset or timed-out request is an error of the run, not the end of it.
            Interlocked.Increment(ref errors);
        }

        mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
}));
var elapsed = clock.Elapsed.TotalSeconds;
self.Refresh();
var selfCpu = (self.TotalProcessorTime - selfCpu0).TotalSeconds;
var serverCpu = ServerCpu() - serverCpu0;
var all = latencies.SelectMany(l => l).Order().ToArray();
var tokensPerSecond = (all.Length - errors) / elapsed;
Console.WriteLine(JsonSerializer.Serialize(new
{
    connections,
    seconds = Math.Round(elapsed, 1),
    requests = all.Length,
    tokensPerSecond = Math.Round(tokensPerSecond, 1),
    p50Ms = Math.Round(all[all.Length / 2], 2),
    p99Ms = Math.Round(all[(int)(all.Length * 0.99)], 2),
    errors,
    // Cores busy during the measured window, and server CPU time per token issued.
    loadGeneratorCores = Math.Round(selfCpu / elapsed, 2),
    serverCores = serverPids.Length == 0 ? (double?)null : Math.Round(serverCpu / elapsed, 2),
    serverCpuMsPerToken = serverPids.Length == 0 || tokensPerSecond == 0 ? (double?)null : Math.Round(serverCpu * 1000 / (tokensPerSecond * elapsed), 3),
}));

// utime + stime of the server processes, in seconds (Linux /proc).
double ServerCpu()
{
    var ticksPerSecond = 100.0; // USER_HZ on Linux
    double total = 0;
    foreach (var pid in serverPids)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After "pid (comm) ": field 3 is state; utime and stime are fields 14 and 15 of the line.
        total += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ticksPerSecond;
    }

    return total;
}
