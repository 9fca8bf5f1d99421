using KeyPortal.Admin.Sessions;
using KeyPortal.Core.Sessions;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace KeyPortal.Admin.PurchaseOrders;

/// <summary>
/// The console's API endpoints serve platform operators only, asked again at the endpoint. The
/// bearer check in front of them already applies the console's admission rule to members' tokens
/// and refuses clients' own tokens (the console does not admit clients); this filter does not rely
/// on that configuration: a client's token, or a member who is not an operator signed in with a
/// passkey (<see cref="OperatorAdmission"/>, read from the database now), gets a 403 problem and
/// the endpoint does not run.
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

    private static ProblemHttpResult Refusal => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: "Only platform operators can do this.",
        type: "urn:keyportal:error:operator.required",
        extensions: new Dictionary<string, object?> { ["code"] = "operator.required" });

    private static async Task<bool> IsOperatorAsync(HttpContext http)
    {
        // A client's own token names no user: it is never an operator.
        if (ApiCaller.Of(http.User).UserId is not { } userId
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
}
