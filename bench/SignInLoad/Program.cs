// Passkey sign-in journeys per second against a running IdP, over HTTP only, as a browser and
// the Portal make them: authorize → the sign-in page → assertion options for the email →
// the software authenticator's assertion → assertion verify → authorize again → the code →
// the token request. Each journey is a new browser (no cookies), each worker signs its own
// users in turn (so a key's counter only moves forward). Before the run it stores the users in
// the IdP's database: Active, no password, Auditor of the demo organization, one ES256 passkey.
// Prints journeys per second, per core, latency percentiles and the time of each step, and
// writes the figures as JSON to standard error.
// Usage: KeyPortal.SignInLoad <IdP base URL> <Sqlite|Postgres> <connection string> <users> <workers> <seconds> [warm-up seconds]
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

var baseUri = new Uri(args[0]);
var database = new DatabaseOptions { Provider = Enum.Parse<DatabaseProvider>(args[1], ignoreCase: true), ConnectionString = args[2] };
var userCount = int.Parse(args[3], CultureInfo.InvariantCulture);
var workers = int.Parse(args[4], CultureInfo.InvariantCulture);
var seconds = int.Parse(args[5], CultureInfo.InvariantCulture);
var warmUp = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 10;
var origin = baseUri.GetLeftPart(UriPartial.Authority);
const string RedirectUri = "http://localhost:5001/signin-oidc";

// One authenticator per worker, holding the keys of that worker's users.
var authenticators = Enumerable.Range(0, workers).Select(_ => new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid)).ToArray();
var usersOf = Enumerable.Range(0, workers).Select(_ => new List<string>()).ToArray();
await SeedAsync();

var steps = new[] { "authorize", "sign-in page", "assertion options", "authenticator", "assertion verify", "authorize with session", "token" };
using var stop = new CancellationTokenSource();
var measuring = false;
var journeys = new List<double>[workers];
var stepTicks = new long[workers, steps.Length];
var errors = new int[workers];
var failures = new List<string>();
var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkerAsync(w))).ToArray();
await Task.Delay(TimeSpan.FromSeconds(warmUp));
var cpuBefore = IdpCpu();
Volatile.Write(ref measuring, true);
var clock = Stopwatch.StartNew();
await Task.Delay(TimeSpan.FromSeconds(seconds));
Volatile.Write(ref measuring, false);
var elapsed = clock.Elapsed.TotalSeconds;
var cpuAfter = IdpCpu();
await stop.CancelAsync();
await Task.WhenAll(tasks);

var all = journeys.SelectMany(j => j).Order().ToArray();
double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(all.Length * p))];
var perSecond = all.Length / elapsed;
var stepMeans = steps.Select((name, s) => (name, ms: all.Length == 0 ? 0
    : Enumerable.Range(0, workers).Sum(w => stepTicks[w, s]) * 1000.0 / Stopwatch.Frequency / all.Length)).ToArray();
var idpCpuMsPerJourney = cpuBefore is { } before && cpuAfter is { } after && all.Length > 0 ? (after - before).TotalMilliseconds / all.Length : (double?)null;
Console.WriteLine($"{workers} workers, {seconds} s: {all.Length:N0} journeys, {perSecond:N1}/s = {perSecond / Environment.ProcessorCount:N1}/s per core; errors {errors.Sum()}");
Console.WriteLine($"journey latency p50 {Percentile(0.5):N1} ms, p99 {Percentile(0.99):N1} ms; IdP CPU per journey {idpCpuMsPerJourney:N2} ms");
foreach (var (name, ms) in stepMeans)
{
    Console.WriteLine($"  {name,-24} {ms,7:N2} ms");
}

foreach (var failure in failures.Take(5))
{
    Console.WriteLine($"  error: {failure}");
}

Console.Error.WriteLine(JsonSerializer.Serialize(new
{
    workers,
    seconds,
    journeys = all.Length,
    journeysPerSecond = Math.Round(perSecond, 1),
    journeysPerSecondPerCore = Math.Round(perSecond / Environment.ProcessorCount, 1),
    p50Ms = Math.Round(Percentile(0.5), 1),
    p99Ms = Math.Round(Percentile(0.99), 1),
    errors = errors.Sum(),
    idpCpuMsPerJourney = idpCpuMsPerJourney is { } cpu ? Math.Round(cpu, 2) : (double?)null,
    stepMeanMs = stepMeans.ToDictionary(s => s.name, s => Math.Round(s.ms, 2)),
}));
return errors.Sum() == 0 && all.Length > 0 ? 0 : 1;

async Task WorkerAsync(int worker)
{
    journeys[worker] = [];
    using var handler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
    using var http = new HttpClient(handler) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
    var stamps = new long[steps.Length];
    for (var turn = 0; !stop.IsCancellationRequested; turn++)
    {
        var email = usersOf[worker][turn % usersOf[worker].Count];
        var started = Stopwatch.GetTimestamp();
        try
        {
            await JourneyAsync(http, authenticators[worker], email, stamps);
            if (Volatile.Read(ref measuring))
            {
                journeys[worker].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                for (var s = 0; s < steps.Length; s++)
                {
                    stepTicks[worker, s] += stamps[s];
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException or JsonException)
        {
            if (stop.IsCancellationRequested)
            {
                return;
            }

            if (Volatile.Read(ref measuring))
            {
                errors[worker]++;
                lock (failures)
                {
                    failures.Add(e.Message);
                }
            }
        }
    }
}

async Task JourneyAsync(HttpClient http, SoftwareAuthenticator authenticator, string email, long[] stamps)
{
    var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
    var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
    var authorize = QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
    {
        ["client_id"] = "portal",
        ["redirect_uri"] = RedirectUri,
        ["response_type"] = "code",
        ["scope"] = "openid email profile offline_access",
        ["state"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
        ["nonce"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
        ["code_challenge"] = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
        ["code_challenge_method"] = "S256",
    });

    var mark = Stopwatch.GetTimestamp();
    long Lap()
    {
        var now = Stopwatch.GetTimestamp();
        var lap = now - mark;
        mark = now;
        return lap;
    }

    string antiforgery;
    using (var challenge = await SendAsync(http, HttpMethod.Get, authorize, null, cookies))
    {
        Expect(challenge, HttpStatusCode.Redirect, "authorize");
        var signIn = challenge.Headers.Location!.OriginalString;
        stamps[0] = Lap();
        using var page = await SendAsync(http, HttpMethod.Get, signIn, null, cookies);
        Expect(page, HttpStatusCode.OK, "sign-in page");
        var html = await page.Content.ReadAsStringAsync();
        var match = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        antiforgery = match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException("sign-in page: no antiforgery token");
        stamps[1] = Lap();
    }

    JsonElement start;
    using (var options = await SendAsync(http, HttpMethod.Post, "/signin/passkey/options", JsonContent.Create(new { email }), cookies, antiforgery))
    {
        Expect(options, HttpStatusCode.OK, "assertion options");
        start = JsonDocument.Parse(await options.Content.ReadAsStringAsync()).RootElement.Clone();
        stamps[2] = Lap();
    }

    var assertion = authenticator.CreateAssertionJson(start.GetProperty("options").GetRawText(), origin);
    stamps[3] = Lap();
    string redirect;
    using (var complete = await SendAsync(http, HttpMethod.Post, "/signin/passkey/complete",
        JsonContent.Create(new { ceremonyId = start.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(assertion), returnUrl = authorize }), cookies, antiforgery))
    {
        Expect(complete, HttpStatusCode.OK, "assertion verify");
        using var body = JsonDocument.Parse(await complete.Content.ReadAsStringAsync());
        redirect = body.RootElement.GetProperty("redirect").GetString()!;
        stamps[4] = Lap();
    }

    string code;
    using (var again = await SendAsync(http, HttpMethod.Get, redirect, null, cookies))
    {
        Expect(again, HttpStatusCode.Redirect, "authorize with session");
        var location = again.Headers.Location!;
        if (!location.AbsoluteUri.StartsWith(RedirectUri, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"authorize with session: redirected to {location}");
        }

        code = QueryHelpers.ParseQuery(location.Query)["code"].ToString();
        stamps[5] = Lap();
    }

    using var token = await SendAsync(http, HttpMethod.Post, "/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
    {
        ["grant_type"] = "authorization_code",
        ["code"] = code,
        ["redirect_uri"] = RedirectUri,
        ["code_verifier"] = verifier,
        ["client_id"] = "portal",
        ["client_secret"] = "portal-development-secret",
    }), cookies);
    Expect(token, HttpStatusCode.OK, "token");
    using (var tokens = JsonDocument.Parse(await token.Content.ReadAsStringAsync()))
    {
        if (!tokens.RootElement.TryGetProperty("id_token", out _) || !tokens.RootElement.TryGetProperty("access_token", out _))
        {
            throw new InvalidOperationException("token: no id_token or access_token");
        }
    }

    stamps[6] = Lap();
}

static async Task<HttpResponseMessage> SendAsync(
    HttpClient http, HttpMethod method, string path, HttpContent? content, Dictionary<string, string> cookies, string? antiforgery = null)
{
    using var request = new HttpRequestMessage(method, new Uri(path, UriKind.RelativeOrAbsolute)) { Content = content };
    if (cookies.Count > 0)
    {
        request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
    }

    if (antiforgery is not null)
    {
        request.Headers.Add("RequestVerificationToken", antiforgery);
    }

    var response = await http.SendAsync(request);
    if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
    {
        foreach (var setCookie in setCookies)
        {
            var pair = setCookie.Split(';', 2)[0];
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = (pair[..equals], pair[(equals + 1)..]);
            if (value.Length == 0 || setCookie.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
            {
                cookies.Remove(name);
            }
            else
            {
                cookies[name] = value;
            }
        }
    }

    return response;
}

static void Expect(HttpResponseMessage response, HttpStatusCode status, string step)
{
    if (response.StatusCode != status)
    {
        throw new InvalidOperationException($"{step}: {(int)response.StatusCode} instead of {(int)status}");
    }
}

// CPU time of the IdP process (its pid in KEYPORTAL_IDP_PID), to report CPU per journey.
static TimeSpan? IdpCpu()
{
    if (!int.TryParse(Environment.GetEnvironmentVariable("KEYPORTAL_IDP_PID"), CultureInfo.InvariantCulture, out var pid))
    {
        return null;
    }

    using var process = Process.GetProcessById(pid);
    return process.TotalProcessorTime;
}

async Task SeedAsync()
{
    var normalizer = new UpperInvariantLookupNormalizer();
    var now = DateTimeOffset.UtcNow;
    await using var db = PersistenceServiceCollectionExtensions.CreateContext(database);
    var organization = await db.Organizations.SingleAsync(o => o.Slug == "contoso");
    var run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    for (var i = 0; i < userCount; i++)
    {
        var email = $"signin-{run}-{i:D5}@contoso.example";
        var user = User.Create(email, normalizer.NormalizeEmail(email), UserState.Pending, now);
        user.TransitionTo(UserState.Active, now);
        db.Users.Add(user);
        db.Add(Membership.Create(organization, user, MemberRoles.Auditor, now));

        var authenticator = authenticators[i % workers];
        authenticator.CreateAttestationJson(JsonSerializer.Serialize(new
        {
            rp = new { id = baseUri.Host, name = "Key Portal" },
            user = new { id = Base64Url.EncodeToString(PasskeyService.UserHandleOf(user.Id)), name = email, displayName = email },
            challenge = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)),
            pubKeyCredParams = new[] { new { type = "public-key", alg = -7 } },
        }), origin);
        var credential = authenticator.Credentials[^1];
        db.PasskeyCredentials.Add(new PasskeyCredential
        {
            Id = Guid.CreateVersion7(now),
            UserId = user.Id,
            CredentialId = credential.Id,
            PublicKey = credential.CosePublicKey,
            SignCount = credential.SignCount,
            Aaguid = authenticator.Aaguid,
            Transports = "usb,nfc",
            AttestationFormat = "none",
            Name = "Security key",
            CreatedAt = now,
        });
        usersOf[i % workers].Add(email);
    }

    await db.SaveChangesAsync();
}
