// Times refused password sign-ins by cause (unknown account, wrong password, suspended,
// pending, deactivated), interleaved in random order, and prints the mean and median of each
// and the largest gap between means: an attacker must not tell the causes apart by time.
// Usage: KeyPortal.SignInTiming <IdP base URL> <rounds>
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

var baseUri = new Uri(args[0]);
var rounds = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
var cases = new (string Name, string Email, string Password)[]
{
    ("unknown account", "nobody-at-all@contoso.example", "Demo-Password-2026"),
    ("wrong password", "admin@contoso.example", "not-the-password-1"),
    ("suspended", "suspended@contoso.example", "Demo-Password-2026"),
    ("pending", "pending@contoso.example", "Demo-Password-2026"),
    ("deactivated", "former@contoso.example", "Demo-Password-2026"),
};

using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
using var http = new HttpClient(handler) { BaseAddress = baseUri };
var form = await http.GetStringAsync(new Uri("/signin/password", UriKind.Relative));
var token = WebUtility.HtmlDecode(Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);

var samples = cases.ToDictionary(c => c.Name, _ => new List<double>());
var random = new Random(2026);
for (var round = -5; round < rounds; round++)
{
    foreach (var (name, email, password) in cases.OrderBy(_ => random.Next()))
    {
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = password, ["__RequestVerificationToken"] = token,
        });
        var start = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync(new Uri("/signin/password", UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK || !body.Contains("sign you in with those details", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{name}: unexpected response {(int)response.StatusCode}.");
        }

        if (round >= 0)
        {
            samples[name].Add(elapsed);
        }
    }
}

var summary = samples.ToDictionary(s => s.Key, s =>
{
    var sorted = s.Value.Order().ToArray();
    return new { meanMs = Math.Round(sorted.Average(), 2), medianMs = Math.Round(sorted[sorted.Length / 2], 2), n = sorted.Length };
});
var means = summary.Values.Select(v => v.meanMs).ToArray();
foreach (var (name, value) in summary)
{
    Console.WriteLine($"{name,-18} mean {value.meanMs,8:N2} ms   median {value.medianMs,8:N2} ms   n={value.n}");
}

Console.WriteLine($"largest gap between means: {means.Max() - means.Min():N2} ms ({(means.Max() - means.Min()) / means.Average() * 100:N1}% of the average)");
Console.Error.WriteLine(JsonSerializer.Serialize(new { cases = summary, largestGapMs = Math.Round(means.Max() - means.Min(), 2) }));
