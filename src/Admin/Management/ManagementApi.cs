using System.Text.Json;
using System.Text.Json.Serialization;
using KeyPortal.Admin.PurchaseOrders;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;
using KeyPortal.Hosting;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace KeyPortal.Admin.Management;

/// <summary>
/// The console's management API (<c>/api/v1</c>): organizations and their members, every account,
/// and the platform's audit trail, for operators' tools and automation. Platform operators and the
/// configured automation clients only (<see cref="OperatorCallers"/>). The rules are Core's: each
/// endpoint calls the service that checks and audits the change, and a refusal is problem JSON
/// with its stable <c>code</c> (<see cref="DomainExceptionHandler"/>); nothing is written then.
/// </summary>
public static class ManagementApi
{
    /// <summary>The OpenAPI tags of the four areas.</summary>
    public const string OrganizationsTag = "Organizations";

    public const string MembersTag = "Members";

    public const string UsersTag = "Users";

    public const string AuditTag = "Audit";

    public const string Title = "KeyPortal operator console API";

    public const string Description =
        "Organizations, members, accounts, the audit trail and purchase orders, for platform operators' tools. Authenticate with an access token of the identity provider: "
        + "an operator's own (signed in with a passkey), or an automation client's (client credentials, scope `operator`). "
        + "Refusals are problem details with a stable `code`.";

    /// <summary>The options, enums as their names in JSON (a number would name a role or state nobody meant), and the OpenAPI document.</summary>
    public static IServiceCollection AddManagementApi(this IServiceCollection services)
    {
        services.AddOptions<ManagementOptions>().BindConfiguration(ManagementOptions.SectionName)
            .Validate(options => options.AutomationClients.All(id => !string.IsNullOrWhiteSpace(id) && id.Trim() == id),
                "Management:AutomationClients lists client ids exactly as registered at the identity provider: none empty, none with spaces around it.")
            .ValidateOnStart();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddApiDocumentation(Title, Description);
        return services;
    }

    public static RouteGroupBuilder MapManagementApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var v1 = api.MapGroup("/v1").RequireOperator();
        v1.MapOrganizationEndpoints();
        v1.MapMemberEndpoints();
        v1.MapUserEndpoints();
        v1.MapAuditEndpoints();
        return api;
    }

    /// <summary>
    /// Runs a creating call under its <c>Idempotency-Key</c> (the key belongs to the caller and the
    /// operation): the same key and body answer the first outcome; another body is refused (409).
    /// A retry arriving while the first is still running meets the first one's unique row (a
    /// refusal named by <paramref name="raceCode"/>) and is asked once more, to answer its outcome.
    /// </summary>
    internal static async Task<IdempotentOutcome> IdempotentAsync<TInput>(
        HttpContext http, IdempotencyStore idempotency, string operation, string owner, string? key, TInput input, string raceCode,
        Func<CancellationToken, Task<IdempotentOutcome>> create)
    {
        // The hash is of the input as bound: the same body with other spacing or property order is the same request.
        var hash = IdempotencyStore.HashOf(http.Request.Method, http.Request.Path, JsonSerializer.SerializeToUtf8Bytes(input, JsonOf(http)));
        var scope = $"{operation}:{owner}";
        IdempotentOutcome outcome;
        try
        {
            outcome = await idempotency.RunAsync(scope, key, hash, create, http.RequestAborted);
        }
        catch (DomainException refused) when (key is not null && refused.Error.Code == raceCode)
        {
            outcome = await idempotency.RunAsync(scope, key, hash, create, http.RequestAborted);
        }

        if (outcome.Replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return outcome;
    }

    internal static string Serialize<T>(HttpContext http, T value) => JsonSerializer.Serialize(value, JsonOf(http));

    internal static T Deserialize<T>(HttpContext http, string json) => JsonSerializer.Deserialize<T>(json, JsonOf(http))!;

    private static JsonSerializerOptions JsonOf(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
}
