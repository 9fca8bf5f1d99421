using System.Security.Claims;
using KeyPortal.Admin.Management;
using KeyPortal.Admin.Sessions;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Sessions;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace KeyPortal.Admin.PurchaseOrders;

/// <summary>
/// The console's API endpoints serve platform operators only, asked again at the endpoint. Two
/// callers pass, and nobody else gets past this filter (a 403 problem; the endpoint does not run):
/// <list type="bullet">
/// <item>a member's token of a platform operator signed in with a passkey
/// (<see cref="OperatorAdmission"/>, read from the database now, with the token's session);</item>
/// <item>a client's own token (client credentials) carrying the <see cref="ManagementOptions.OperatorScope"/>
/// scope, from a client named in <see cref="ManagementOptions.AutomationClients"/>: operators'
/// automation. Any other client's token is refused, whatever its scopes.</item>
/// </list>
/// The bearer check in front already refuses revoked tokens and members' tokens whose session does
/// not hold; this filter does not rely on that.
/// </summary>
internal static class OperatorCallers
{
    public static TBuilder RequireOperator<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(FilterAsync).ProducesProblem(StatusCodes.Status403Forbidden);

    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return await IsOperatorAsync(context.HttpContext) ? await next(context) : Refusal;
    }

    /// <summary>
    /// The actor of an operator's change, for the audit trail: the signed-in operator, or for an
    /// automation client <c>client:&lt;client id&gt;</c> with no user (Core treats it as an operator).
    /// Only for callers this filter let through.
    /// </summary>
    public static async Task<AuditActor> OperatorActorAsync(this HttpContext http, PortalDbContext db)
    {
        ArgumentNullException.ThrowIfNull(http);
        return AutomationClientOf(http) is { } clientId
            ? new AuditActor(null, $"client:{clientId}", http.Connection.RemoteIpAddress?.ToString())
            : await http.SignedInActorAsync(db);
    }

    /// <summary>What an operator's idempotency keys belong to: the operator's account, or the automation client.</summary>
    public static string IdempotencyOwnerOf(AuditActor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.UserId is { } userId ? $"user:{userId}" : actor.Name;
    }

    private static ProblemHttpResult Refusal => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: "Only platform operators can do this.",
        type: "urn:keyportal:error:operator.required",
        extensions: new Dictionary<string, object?> { ["code"] = "operator.required" });

    /// <summary>
    /// The console's rule for clients' own tokens at authentication (<see cref="RelyingParty.AdmitsClient"/>):
    /// a configured automation client's token with the operator scope; any other client's is not
    /// a credential for this API at all (401).
    /// </summary>
    public static bool IsAutomationClient(HttpContext http, ClaimsPrincipal principal) => AutomationClientOf(http, principal) is not null;

    private static async Task<bool> IsOperatorAsync(HttpContext http)
    {
        if (ApiCaller.Of(http.User).UserId is not { } userId)
        {
            return AutomationClientOf(http) is not null;
        }

        // An operator's own token must have been issued for operator work: the IdP grants the
        // scope only to clients allowed it and only to platform operators (checked again at every
        // refresh), so a token another client obtained for the same person does not do.
        if (!HasScope(http.User, ManagementOptions.OperatorScope)
            || !Guid.TryParse(http.User.FindFirst(KeyPortalClaims.SessionId)?.Value, out var sessionId))
        {
            return false;
        }

        var db = http.RequestServices.GetRequiredService<PortalDbContext>();
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, http.RequestAborted);
        var session = await db.UserSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId, http.RequestAborted);
        return user is not null && session is not null
            && await OperatorAdmission.IsPlatformOperatorAsync(user, session, db, http.RequestAborted);
    }

    /// <summary>
    /// The client id of a client's own token that is one of the configured automation clients and
    /// carries the operator scope; null for anything else (a member's token included).
    /// </summary>
    private static string? AutomationClientOf(HttpContext http) => AutomationClientOf(http, http.User);

    private static string? AutomationClientOf(HttpContext http, ClaimsPrincipal principal)
    {
        var caller = ApiCaller.Of(principal);
        var clientId = principal.FindFirstValue(KeyPortalClaims.ClientId);
        if (caller is not { Kind: ApiCaller.ClientKind, UserId: null } || string.IsNullOrEmpty(clientId)
            || !string.Equals(caller.ClientId, clientId, StringComparison.Ordinal))
        {
            return null;
        }

        var allowed = http.RequestServices.GetRequiredService<IOptionsMonitor<ManagementOptions>>().CurrentValue.AutomationClients;
        return allowed.Contains(clientId, StringComparer.Ordinal) && HasScope(principal, ManagementOptions.OperatorScope) ? clientId : null;
    }

    /// <summary>RFC 9068 §2.2.3: <c>scope</c> is space-delimited; some issuers send one claim per scope.</summary>
    private static bool HasScope(ClaimsPrincipal principal, string scope) =>
        principal.FindAll("scope").Concat(principal.FindAll("scp"))
            .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Contains(scope, StringComparer.Ordinal);
}
