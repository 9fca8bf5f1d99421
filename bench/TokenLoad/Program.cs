// Load generator for the token endpoint: C concurrent connections post client_credentials
// requests for D seconds; prints one JSON line with throughput, latency percentiles and errors.
// Usage: KeyPortal.TokenLoad <token endpoint> <connections> <seconds> <client id> <secret>
using System.Diagnostics;
using System.Net;
using System.Text.Json;

var endpoint = new Uri(args[0]);
var connections = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
var seconds = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = args[3], ["client_secret"] = args[4], ["scope"] = "api" };

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
using var http = new HttpClient(handler);

// Warm-up: JIT, connection pool, database caches.
var warmUntil = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
{
    while (warmUntil.Elapsed < TimeSpan.FromSeconds(3))
    {
        using var response = await http.PostAsync(endpoint, new FormUrlEncodedContent(form));
    }
}));

var latencies = new List<double>[connections];
var errors = 0;
var clock = Stopwatch.StartNew();
var duration = TimeSpan.FromSeconds(seconds);
await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
{
    var mine = latencies[worker] = new List<double>(4096);
    while (clock.Elapsed < duration)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync(endpoint, new FormUrlEncodedContent(form));
        await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Interlocked.Increment(ref errors);
        }

        mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
}));
var elapsed = clock.Elapsed.TotalSeconds;
var all = latencies.SelectMany(l => l).Order().ToArray();
Console.WriteLine(JsonSerializer.Serialize(new
{
    connections,
    seconds = Math.Round(elapsed, 1),
    requests = all.Length,
    tokensPerSecond = Math.Round((all.Length - errors) / elapsed, 1),
    p50Ms = Math.Round(all[all.Length / 2], 2),
    p99Ms = Math.Round(all[(int)(all.Length * 0.99)], 2),
    errors,
}));
