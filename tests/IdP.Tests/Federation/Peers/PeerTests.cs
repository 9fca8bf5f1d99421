using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using DnsClient;
using KeyPortal.TestSupport.Peers;

namespace KeyPortal.IdP.Tests.Federation.Peers;

// The customer identity providers and the DNS server the federation and domain tests run against
// are real programs of other makes (tests/peers). These tests prove each one is what it claims,
// through HTTP as a browser would, before any test of the Portal relies on it.

/// <summary>One suite, run against every make of SAML identity provider.</summary>
public abstract class SamlIdentityProviderPeerTests
{
    protected const string ServiceProviderEntityId = "urn:keyportal:tests:service-provider";

    // Nothing listens there: the browser stops at the form that would post to it.
    protected static readonly Uri AssertionConsumerService = new("http://127.0.0.1:9/saml/acs");

    protected static readonly SamlTestUser Alice = new(
        "alice",
        "correct horse battery",
        "alice@customer.example",
        new Dictionary<string, string[]> { ["displayName"] = ["Alice Example"] });

    protected static readonly SamlTestUser Bob = new("bob", "another secret", "bob@customer.example");

    protected abstract Task<ISamlTestIdp> StartAsync(bool encryptAssertion = false, string? serviceProviderMetadataXml = null);

    [Fact]
    public async Task Metadata_names_the_entity_id_and_the_signing_certificate()
    {
        await using var idp = await StartAsync();

        var metadata = Xml.Load(idp.MetadataXml);
        Assert.Equal(idp.EntityId, metadata.DocumentElement!.GetAttribute("entityID"));
        var served = Xml.Load(await new HttpClient().GetStringAsync(idp.MetadataUrl));
        Assert.Equal(idp.EntityId, served.DocumentElement!.GetAttribute("entityID"));
        var signing = Xml.All(metadata, "//md:IDPSSODescriptor/md:KeyDescriptor[not(@use) or @use='signing']//ds:X509Certificate")
            .Select(e => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(e.InnerText.Trim())))
            .ToList();
        Assert.Contains(signing, c => c.Thumbprint == idp.SigningCertificate.Thumbprint);
        var redirect = Xml.All(metadata, "//md:IDPSSODescriptor/md:SingleSignOnService[@Binding='urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect']");
        Assert.Equal(idp.SingleSignOnUrl.AbsoluteUri, Assert.Single(redirect).GetAttribute("Location"));
    }

    [Fact]
    public async Task Sign_in_posts_a_signed_assertion_with_the_email_address_as_NameID_to_the_service_provider()
    {
        await using var idp = await StartAsync();
        var browser = new Browser();
        var request = new SamlAuthnRequest(ServiceProviderEntityId, AssertionConsumerService, idp.SingleSignOnUrl);

        var login = await browser.GetAsync(request.RedirectUrl("relay-1"));
        var posted = await browser.SubmitAsync(login.Form(), new() { ["username"] = Alice.Username, ["password"] = Alice.Password });

        var form = posted.Form();
        Assert.Equal(AssertionConsumerService, form.Action);
        Assert.Equal("relay-1", form.Fields["RelayState"]);
        var response = Xml.Load(Encoding.UTF8.GetString(Convert.FromBase64String(form.Fields["SAMLResponse"])));
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:status:Success", Xml.One(response, "/samlp:Response/samlp:Status/samlp:StatusCode").GetAttribute("Value"));
        Assert.Equal(request.Id, response.DocumentElement!.GetAttribute("InResponseTo"));
        Assert.Equal(idp.EntityId, Xml.One(response, "/samlp:Response/saml:Assertion/saml:Issuer").InnerText);
        var nameId = Xml.One(response, "/samlp:Response/saml:Assertion/saml:Subject/saml:NameID");
        Assert.Equal(Alice.Email, nameId.InnerText);
        Assert.Equal("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", nameId.GetAttribute("Format"));
        Assert.Equal([Alice.Email], Xml.AttributeValues(response, "email"));
        Assert.Equal(["Alice Example"], Xml.AttributeValues(response, "displayName"));
        Assert.Equal(ServiceProviderEntityId, Xml.One(response, "//saml:Conditions/saml:AudienceRestriction/saml:Audience").InnerText);

        var assertion = Xml.One(response, "/samlp:Response/saml:Assertion");
        Assert.True(Xml.IsSignedBy(assertion, idp.SigningCertificate), "The assertion's signature does not verify with the IdP's certificate.");
        nameId.InnerText = Bob.Email;
        Assert.False(Xml.IsSignedBy(assertion, idp.SigningCertificate), "A changed assertion still verified: the check proves nothing.");
    }

    [Fact]
    public async Task Wrong_password_shows_the_login_form_again_and_posts_nothing()
    {
        await using var idp = await StartAsync();
        var browser = new Browser();
        var request = new SamlAuthnRequest(ServiceProviderEntityId, AssertionConsumerService, idp.SingleSignOnUrl);

        var login = await browser.GetAsync(request.RedirectUrl(relayState: null));
        var refused = await browser.SubmitAsync(login.Form(), new() { ["username"] = Alice.Username, ["password"] = Bob.Password });

        Assert.DoesNotContain("SAMLResponse", refused.Body, StringComparison.Ordinal);
        Assert.Contains("password", refused.Form().Fields.Keys);
        var unknown = await browser.SubmitAsync(refused.Form(), new() { ["username"] = "mallory", ["password"] = Alice.Password });
        Assert.DoesNotContain("SAMLResponse", unknown.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdP_initiated_sign_in_posts_an_unsolicited_signed_response()
    {
        await using var idp = await StartAsync();
        var browser = new Browser();

        var login = await browser.GetAsync(idp.IdpInitiatedUrl(ServiceProviderEntityId, "/after"));
        var posted = await browser.SubmitAsync(login.Form(), new() { ["username"] = Bob.Username, ["password"] = Bob.Password });

        var form = posted.Form();
        Assert.Equal(AssertionConsumerService, form.Action);
        Assert.Equal("/after", form.Fields["RelayState"]);
        var response = Xml.Load(Encoding.UTF8.GetString(Convert.FromBase64String(form.Fields["SAMLResponse"])));
        Assert.Empty(response.DocumentElement!.GetAttribute("InResponseTo"));
        Assert.Equal(Bob.Email, Xml.One(response, "//saml:Assertion/saml:Subject/saml:NameID").InnerText);
        Assert.True(Xml.IsSignedBy(Xml.One(response, "//saml:Assertion"), idp.SigningCertificate));
    }

    [Fact]
    public async Task Service_provider_metadata_given_after_start_is_used_for_the_next_sign_in()
    {
        await using var idp = await StartAsync();
        var laterAcs = new Uri("http://127.0.0.1:9/saml/acs-from-metadata");
        await idp.UpdateServiceProviderAsync(ServiceProviderMetadataXml(laterAcs, encryptionCertificate: null));
        var browser = new Browser();
        var request = new SamlAuthnRequest(ServiceProviderEntityId, laterAcs, idp.SingleSignOnUrl);

        var login = await browser.GetAsync(request.RedirectUrl("r"));
        var posted = await browser.SubmitAsync(login.Form(), new() { ["username"] = Alice.Username, ["password"] = Alice.Password });

        Assert.Equal(laterAcs, posted.Form().Action);
    }

    [Fact]
    public async Task Encrypted_assertion_opens_with_the_service_providers_key_only()
    {
        using var serviceProviderKey = RSA.Create(2048);
        using var serviceProviderCertificate = SelfSigned(serviceProviderKey, "CN=service provider");
        await using var idp = await StartAsync(encryptAssertion: true, ServiceProviderMetadataXml(AssertionConsumerService, serviceProviderCertificate));
        var browser = new Browser();
        var request = new SamlAuthnRequest(ServiceProviderEntityId, AssertionConsumerService, idp.SingleSignOnUrl);

        var login = await browser.GetAsync(request.RedirectUrl("r"));
        var posted = await browser.SubmitAsync(login.Form(), new() { ["username"] = Alice.Username, ["password"] = Alice.Password });

        var response = Xml.Load(Encoding.UTF8.GetString(Convert.FromBase64String(posted.Form().Fields["SAMLResponse"])));
        Assert.Empty(Xml.All(response, "/samlp:Response/saml:Assertion"));
        Assert.DoesNotContain(Alice.Email, response.OuterXml, StringComparison.Ordinal);
        using var otherKey = RSA.Create(2048);
        Assert.ThrowsAny<CryptographicException>(() => Xml.Decrypt(response, otherKey));
        var assertion = Xml.Decrypt(response, serviceProviderKey);
        Assert.Equal(Alice.Email, Xml.One(assertion, "/saml:Assertion/saml:Subject/saml:NameID").InnerText);
        Assert.True(Xml.IsSignedBy(assertion.DocumentElement!, idp.SigningCertificate));
    }

    protected static IReadOnlyList<SamlTestUser> Users => [Alice, Bob];

    private static X509Certificate2 SelfSigned(RSA key, string subject)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static string ServiceProviderMetadataXml(Uri acs, X509Certificate2? encryptionCertificate)
    {
        var key = encryptionCertificate is null
            ? ""
            : $"""
              <md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{Convert.ToBase64String(encryptionCertificate.RawData)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
              """;
        return $"""
            <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{ServiceProviderEntityId}">
              <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAssertionsSigned="true">
                {key}
                <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
                <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs.AbsoluteUri}" index="0"/>
              </md:SPSSODescriptor>
            </md:EntityDescriptor>
            """;
    }
}

public sealed class SimpleSamlPhpPeerTests : SamlIdentityProviderPeerTests
{
    protected override async Task<ISamlTestIdp> StartAsync(bool encryptAssertion = false, string? serviceProviderMetadataXml = null) =>
        await SimpleSamlPhpIdp.StartAsync(new SimpleSamlPhpOptions
        {
            ServiceProviderEntityId = ServiceProviderEntityId,
            AssertionConsumerServiceUrl = AssertionConsumerService,
            ServiceProviderMetadataXml = serviceProviderMetadataXml,
            EncryptAssertion = encryptAssertion,
            Users = Users,
        });
}

public sealed class PySaml2PeerTests : SamlIdentityProviderPeerTests
{
    protected override async Task<ISamlTestIdp> StartAsync(bool encryptAssertion = false, string? serviceProviderMetadataXml = null) =>
        await PySaml2Idp.StartAsync(new PySaml2Options
        {
            ServiceProviderEntityId = ServiceProviderEntityId,
            AssertionConsumerServiceUrl = AssertionConsumerService,
            ServiceProviderMetadataXml = serviceProviderMetadataXml,
            EncryptAssertion = encryptAssertion,
            Users = Users,
        });
}

/// <summary>An AuthnRequest as a service provider builds it for the HTTP-Redirect binding (deflate, base64, URL-encode).</summary>
internal sealed class SamlAuthnRequest(string issuer, Uri assertionConsumerService, Uri destination)
{
    public string Id { get; } = "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public string Xml => $"""
        <samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{Id}" Version="2.0" IssueInstant="{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}" Destination="{destination.AbsoluteUri}" AssertionConsumerServiceURL="{assertionConsumerService.AbsoluteUri}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>{issuer}</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/></samlp:AuthnRequest>
        """;

    public Uri RedirectUrl(string? relayState)
    {
        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(Encoding.UTF8.GetBytes(Xml));
        }

        var query = "SAMLRequest=" + Uri.EscapeDataString(Convert.ToBase64String(buffer.ToArray()));
        if (relayState is not null)
        {
            query += "&RelayState=" + Uri.EscapeDataString(relayState);
        }

        return new Uri(destination.AbsoluteUri + "?" + query);
    }
}

public sealed class OidcProviderPeerTests
{
    private const string ClientId = "keyportal-portal";
    private const string ClientSecret = "a client secret of the portal";
    private static readonly Uri RedirectUri = new("http://127.0.0.1:9/signin-oidc");

    private static readonly OidcTestUser Carol = new("carol-subject", "carol@customer.example", EmailVerified: true, "carol's password");
    private static readonly OidcTestUser Dave = new("dave-subject", "dave@customer.example", EmailVerified: false, "dave's password");

    private static Task<OidcProviderIdp> StartAsync() =>
        OidcProviderIdp.StartAsync(new OidcProviderOptions
        {
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            RedirectUri = RedirectUri,
            Users = [Carol, Dave],
        });

    [Fact]
    public async Task Discovery_document_names_the_issuer_and_its_endpoints()
    {
        await using var idp = await StartAsync();

        using var discovery = JsonDocument.Parse(await new HttpClient().GetStringAsync(new Uri(idp.Issuer, ".well-known/openid-configuration")));

        var root = discovery.RootElement;
        Assert.Equal(idp.IssuerName, root.GetProperty("issuer").GetString());
        Assert.StartsWith(idp.IssuerName, root.GetProperty("authorization_endpoint").GetString(), StringComparison.Ordinal);
        Assert.Contains("S256", root.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("email", root.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Code_flow_with_PKCE_through_the_login_form_yields_an_id_token_with_the_email()
    {
        await using var idp = await StartAsync();
        var flow = new OidcCodeFlow(idp.Issuer);

        var tokens = await flow.SignInAsync(Carol.Email, Carol.Password);

        var idToken = Jwt.Parse(tokens.GetProperty("id_token").GetString()!);
        Assert.Equal(idp.IssuerName, idToken.Payload.GetProperty("iss").GetString());
        Assert.Equal(ClientId, idToken.Payload.GetProperty("aud").GetString());
        Assert.Equal(Carol.Subject, idToken.Payload.GetProperty("sub").GetString());
        Assert.Equal(flow.Nonce, idToken.Payload.GetProperty("nonce").GetString());
        Assert.Equal(Carol.Email, idToken.Payload.GetProperty("email").GetString());
        Assert.True(idToken.Payload.GetProperty("email_verified").GetBoolean());
        Assert.True(await Jwt.IsSignedByAsync(idToken, idp.Issuer), "The id_token's signature does not verify with the provider's published keys.");
        Assert.False(await Jwt.IsSignedByAsync(idToken with { SignedPart = idToken.SignedPart + "x" }, idp.Issuer), "A changed id_token still verified.");
    }

    [Fact]
    public async Task An_unverified_email_is_said_to_be_unverified()
    {
        await using var idp = await StartAsync();

        var tokens = await new OidcCodeFlow(idp.Issuer).SignInAsync(Dave.Email, Dave.Password);

        var idToken = Jwt.Parse(tokens.GetProperty("id_token").GetString()!);
        Assert.Equal(Dave.Email, idToken.Payload.GetProperty("email").GetString());
        Assert.False(idToken.Payload.GetProperty("email_verified").GetBoolean());
    }

    [Fact]
    public async Task Wrong_password_shows_the_login_form_again_and_gives_no_code()
    {
        await using var idp = await StartAsync();
        var flow = new OidcCodeFlow(idp.Issuer);

        var login = await flow.StartAsync();
        var refused = await flow.Browser.SubmitAsync(login.Form(), new() { ["login"] = Carol.Email, ["password"] = Dave.Password }, stopAt: RedirectUri);

        Assert.Null(refused.StoppedAt);
        Assert.Contains("password", refused.Form().Fields.Keys);
        var unknown = await flow.Browser.SubmitAsync(refused.Form(), new() { ["login"] = "mallory@customer.example", ["password"] = Carol.Password }, stopAt: RedirectUri);
        Assert.Null(unknown.StoppedAt);
    }

    [Fact]
    public async Task Token_endpoint_refuses_the_code_without_its_PKCE_verifier()
    {
        await using var idp = await StartAsync();
        var flow = new OidcCodeFlow(idp.Issuer);

        var code = await flow.CodeAsync(Carol.Email, Carol.Password);
        using var refused = await flow.RedeemAsync(code, verifier: "a-verifier-that-does-not-match-the-challenge-at-all-0123456789");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("invalid_grant", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotated_signing_key_signs_new_tokens_and_the_old_key_stays_published()
    {
        await using var idp = await StartAsync();
        var before = Jwt.Parse((await new OidcCodeFlow(idp.Issuer).SignInAsync(Carol.Email, Carol.Password)).GetProperty("id_token").GetString()!);

        await idp.RotateSigningKeyAsync();
        var after = Jwt.Parse((await new OidcCodeFlow(idp.Issuer).SignInAsync(Carol.Email, Carol.Password)).GetProperty("id_token").GetString()!);

        Assert.NotEqual(before.KeyId, after.KeyId);
        Assert.True(await Jwt.IsSignedByAsync(before, idp.Issuer));
        Assert.True(await Jwt.IsSignedByAsync(after, idp.Issuer));
    }

    /// <summary>An OpenID Connect client's authorization code flow with PKCE (S256), in a browser with cookies.</summary>
    private sealed class OidcCodeFlow(Uri issuer)
    {
        private readonly string _verifier = Base64Url(RandomNumberGenerator.GetBytes(32));

        public Browser Browser { get; } = new();

        public string Nonce { get; } = Base64Url(RandomNumberGenerator.GetBytes(16));

        public string State { get; } = Base64Url(RandomNumberGenerator.GetBytes(16));

        public Task<Page> StartAsync()
        {
            var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(_verifier)));
            var query = string.Join('&', new Dictionary<string, string>
            {
                ["client_id"] = ClientId,
                ["redirect_uri"] = RedirectUri.AbsoluteUri,
                ["response_type"] = "code",
                ["scope"] = "openid email profile",
                ["state"] = State,
                ["nonce"] = Nonce,
                ["code_challenge"] = challenge,
                ["code_challenge_method"] = "S256",
            }.Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value)));
            return Browser.GetAsync(new Uri(new Uri(issuer, "auth") + "?" + query), stopAt: RedirectUri);
        }

        public async Task<string> CodeAsync(string login, string password)
        {
            var loginPage = await StartAsync();
            var done = await Browser.SubmitAsync(loginPage.Form(), new() { ["login"] = login, ["password"] = password }, stopAt: RedirectUri);
            Assert.NotNull(done.StoppedAt);
            var query = System.Web.HttpUtility.ParseQueryString(done.StoppedAt.Query);
            Assert.Equal(State, query["state"]);
            return query["code"] ?? throw new Xunit.Sdk.XunitException($"No code in {done.StoppedAt}");
        }

        public async Task<HttpResponseMessage> RedeemAsync(string code, string? verifier = null)
        {
            using var client = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(issuer, "token"))
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "authorization_code",
                    ["code"] = code,
                    ["redirect_uri"] = RedirectUri.AbsoluteUri,
                    ["code_verifier"] = verifier ?? _verifier,
                }),
            };
            // client_secret_basic (RFC 6749 §2.3.1): both parts form-encoded before base64.
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
                Uri.EscapeDataString(ClientId) + ":" + Uri.EscapeDataString(ClientSecret))));
            return await client.SendAsync(request);
        }

        public async Task<JsonElement> SignInAsync(string login, string password)
        {
            using var response = await RedeemAsync(await CodeAsync(login, password));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"The token endpoint answered {(int)response.StatusCode}: {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public sealed class DnsmasqPeerTests
{
    [Fact]
    public async Task A_TXT_query_answers_the_configured_value_over_UDP_and_TCP()
    {
        await using var dns = await DnsmasqServer.StartAsync(
        [
            ("_keyportal-challenge.customer.example", "keyportal-verification=abc123"),
            ("_keyportal-challenge.customer.example", "a second value, with spaces"),
            ("other.example", "unrelated"),
        ]);

        foreach (var tcp in new[] { false, true })
        {
            var client = new LookupClient(new LookupClientOptions(dns.EndPoint) { UseCache = false, UseTcpOnly = tcp, Retries = 2, Timeout = TimeSpan.FromSeconds(5) });
            var answer = await client.QueryAsync("_keyportal-challenge.customer.example", QueryType.TXT);

            Assert.False(answer.HasError, answer.ErrorMessage);
            var values = answer.Answers.TxtRecords().SelectMany(r => r.Text).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["a second value, with spaces", "keyportal-verification=abc123"], values);
        }
    }

    [Fact]
    public async Task A_name_without_records_has_no_TXT_answer()
    {
        await using var dns = await DnsmasqServer.StartAsync([("_keyportal-challenge.customer.example", "keyportal-verification=abc123")]);
        var client = new LookupClient(new LookupClientOptions(dns.EndPoint) { UseCache = false, Retries = 2, Timeout = TimeSpan.FromSeconds(5), ThrowDnsErrors = false });

        var answer = await client.QueryAsync("_keyportal-challenge.elsewhere.example", QueryType.TXT);

        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, answer.Header.ResponseCode);
        Assert.Empty(answer.Answers.TxtRecords());
    }
}

/// <summary>A browser: cookies kept, redirects followed (up to a URL it must not load), forms read from the HTML.</summary>
internal sealed class Browser
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseProxy = false })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    public Task<Page> GetAsync(Uri url, Uri? stopAt = null) => SendAsync(new HttpRequestMessage(HttpMethod.Get, url), stopAt);

    /// <summary>Submits <paramref name="form"/> with its hidden fields and <paramref name="values"/>.</summary>
    public Task<Page> SubmitAsync(HtmlForm form, Dictionary<string, string> values, Uri? stopAt = null)
    {
        var fields = new Dictionary<string, string>(form.Fields);
        foreach (var (name, value) in values)
        {
            fields[name] = value;
        }

        return SendAsync(new HttpRequestMessage(HttpMethod.Post, form.Action) { Content = new FormUrlEncodedContent(fields) }, stopAt);
    }

    private async Task<Page> SendAsync(HttpRequestMessage request, Uri? stopAt)
    {
        for (var redirects = 0; redirects < 20; redirects++)
        {
            var url = request.RequestUri!;
            using var response = await _client.SendAsync(request);
            request.Dispose();
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                var next = location.IsAbsoluteUri ? location : new Uri(url, location);
                if (stopAt is not null && next.GetLeftPart(UriPartial.Path) == stopAt.GetLeftPart(UriPartial.Path))
                {
                    return new Page(url, response.StatusCode, "", next);
                }

                request = new HttpRequestMessage(HttpMethod.Get, next);
                continue;
            }

            return new Page(url, response.StatusCode, await response.Content.ReadAsStringAsync(), StoppedAt: null);
        }

        throw new Xunit.Sdk.XunitException("More than 20 redirects.");
    }
}

/// <summary>A page the browser ended on, or the redirect it stopped at.</summary>
internal sealed partial record Page(Uri Url, HttpStatusCode Status, string Body, Uri? StoppedAt)
{
    /// <summary>The page's one form (or its first one), with the values of its hidden and filled-in fields.</summary>
    public HtmlForm Form()
    {
        var form = FormPattern().Match(Body);
        if (!form.Success)
        {
            throw new Xunit.Sdk.XunitException($"The page {Url} ({(int)Status}) has no form:\n{Body}");
        }

        var action = WebUtility.HtmlDecode(Attribute(form.Groups["open"].Value, "action") ?? "");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match input in InputPattern().Matches(form.Groups["body"].Value))
        {
            if (Attribute(input.Value, "name") is { } name)
            {
                fields[WebUtility.HtmlDecode(name)] = WebUtility.HtmlDecode(Attribute(input.Value, "value") ?? "");
            }
        }

        return new HtmlForm(new Uri(Url, action), fields);
    }

    private static string? Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, $@"\s{name}\s*=\s*(?:""(?<v>[^""]*)""|'(?<v>[^']*)')", RegexOptions.IgnoreCase);
        return match.Success ? match.Groups["v"].Value : null;
    }

    [GeneratedRegex(@"(?<open><form\b[^>]*>)(?<body>.*?)</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex FormPattern();

    [GeneratedRegex(@"<input\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InputPattern();
}

internal sealed record HtmlForm(Uri Action, IReadOnlyDictionary<string, string> Fields);

/// <summary>SAML XML read as a service provider reads it.</summary>
internal static class Xml
{
    private static readonly XmlNamespaceManager Namespaces = CreateNamespaces();

    public static XmlDocument Load(string xml)
    {
        // Whitespace is part of what was signed.
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        document.Load(reader);
        return document;
    }

    public static XmlElement One(XmlNode node, string xpath) =>
        node.SelectSingleNode(xpath, Namespaces) as XmlElement ?? throw new Xunit.Sdk.XunitException($"No {xpath} in:\n{(node as XmlDocument)?.OuterXml ?? node.OuterXml}");

    public static IReadOnlyList<XmlElement> All(XmlNode node, string xpath) =>
        [.. node.SelectNodes(xpath, Namespaces)!.OfType<XmlElement>()];

    public static IReadOnlyList<string> AttributeValues(XmlNode node, string name) =>
        [.. All(node, $"//saml:AttributeStatement/saml:Attribute[@Name='{name}']/saml:AttributeValue").Select(v => v.InnerText)];

    /// <summary>
    /// True when <paramref name="element"/> carries an enveloped signature over itself (its own ID, not
    /// another element's) that verifies with <paramref name="certificate"/>.
    /// </summary>
    public static bool IsSignedBy(XmlElement element, X509Certificate2 certificate)
    {
        var signatureElement = element.ChildNodes.OfType<XmlElement>().SingleOrDefault(e => e.LocalName == "Signature" && e.NamespaceURI == SignedXml.XmlDsigNamespaceUrl);
        if (signatureElement is null)
        {
            return false;
        }

        var signedXml = new SignedXml(element);
        signedXml.LoadXml(signatureElement);
        var reference = Assert.IsType<Reference>(Assert.Single(signedXml.SignedInfo!.References));
        Assert.Equal("#" + element.GetAttribute("ID"), reference.Uri);
        return signedXml.CheckSignature(certificate, verifySignatureOnly: true);
    }

    /// <summary>The EncryptedAssertion of <paramref name="response"/>, opened with the service provider's private key.</summary>
    public static XmlDocument Decrypt(XmlDocument response, RSA serviceProviderKey)
    {
        var encrypted = One(response, "/samlp:Response/saml:EncryptedAssertion");
        var dataElement = One(encrypted, "xenc:EncryptedData");
        var data = new EncryptedData();
        data.LoadXml(dataElement);
        // The wrapped key sits in the EncryptedData's KeyInfo (simplesamlphp) or beside it (some IdPs).
        var keyElement = (dataElement.SelectSingleNode("ds:KeyInfo/xenc:EncryptedKey", Namespaces) ?? encrypted.SelectSingleNode("xenc:EncryptedKey", Namespaces)) as XmlElement
            ?? throw new Xunit.Sdk.XunitException("The encrypted assertion carries no EncryptedKey.");
        var key = new EncryptedKey();
        key.LoadXml(keyElement);
        var oaep = key.EncryptionMethod!.KeyAlgorithm != EncryptedXml.XmlEncRSA15Url;
        var sessionKey = EncryptedXml.DecryptKey(key.CipherData.CipherValue!, serviceProviderKey, oaep);
        using SymmetricAlgorithm algorithm = data.EncryptionMethod!.KeyAlgorithm switch
        {
#pragma warning disable CA5350 // pysaml2 always encrypts assertions with 3DES-CBC (its pre_encryption_part): a service provider meeting it must open that.
            EncryptedXml.XmlEncTripleDESUrl => TripleDES.Create(),
#pragma warning restore CA5350
            EncryptedXml.XmlEncAES128Url or EncryptedXml.XmlEncAES192Url or EncryptedXml.XmlEncAES256Url => Aes.Create(),
            var other => throw new Xunit.Sdk.XunitException($"Unexpected content encryption {other}."),
        };
        algorithm.Key = sessionKey;
        var plain = new EncryptedXml().DecryptData(data, algorithm);
        var assertion = Load(Encoding.UTF8.GetString(plain));
        Assert.Equal("Assertion", assertion.DocumentElement!.LocalName);
        return assertion;
    }

    private static XmlNamespaceManager CreateNamespaces()
    {
        var namespaces = new XmlNamespaceManager(new NameTable());
        namespaces.AddNamespace("md", "urn:oasis:names:tc:SAML:2.0:metadata");
        namespaces.AddNamespace("ds", SignedXml.XmlDsigNamespaceUrl);
        namespaces.AddNamespace("xenc", EncryptedXml.XmlEncNamespaceUrl);
        namespaces.AddNamespace("samlp", "urn:oasis:names:tc:SAML:2.0:protocol");
        namespaces.AddNamespace("saml", "urn:oasis:names:tc:SAML:2.0:assertion");
        return namespaces;
    }
}

/// <summary>A JSON Web Token split into its parts, and checked against the issuer's published keys (RS256).</summary>
internal sealed record Jwt(JsonElement Header, JsonElement Payload, string SignedPart, byte[] Signature)
{
    public string KeyId => Header.GetProperty("kid").GetString()!;

    public static Jwt Parse(string token)
    {
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        return new Jwt(
            JsonDocument.Parse(Decode(parts[0])).RootElement.Clone(),
            JsonDocument.Parse(Decode(parts[1])).RootElement.Clone(),
            parts[0] + "." + parts[1],
            Decode(parts[2]));
    }

    public static async Task<bool> IsSignedByAsync(Jwt token, Uri issuer)
    {
        Assert.Equal("RS256", token.Header.GetProperty("alg").GetString());
        using var client = new HttpClient();
        using var discovery = JsonDocument.Parse(await client.GetStringAsync(new Uri(issuer, ".well-known/openid-configuration")));
        using var keys = JsonDocument.Parse(await client.GetStringAsync(discovery.RootElement.GetProperty("jwks_uri").GetString()));
        var key = keys.RootElement.GetProperty("keys").EnumerateArray().SingleOrDefault(k => k.GetProperty("kid").GetString() == token.KeyId);
        if (key.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = Decode(key.GetProperty("n").GetString()!),
            Exponent = Decode(key.GetProperty("e").GetString()!),
        });
        return rsa.VerifyData(Encoding.ASCII.GetBytes(token.SignedPart), token.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    private static byte[] Decode(string part)
    {
        var base64 = part.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }
}
