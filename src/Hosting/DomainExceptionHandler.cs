using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace KeyPortal.Hosting;

/// <summary>
/// Turns a rule's refusal that escaped a handler into RFC 7807 problem details carrying the
/// stable error code, instead of a 500. Pages catch refusals themselves to show them in the form.
/// </summary>
public sealed partial class DomainExceptionHandler(IProblemDetailsService problems, Microsoft.Extensions.Logging.ILogger<DomainExceptionHandler> logger) : IExceptionHandler
{
    public static int StatusCodeOf(DomainError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Kind switch
        {
            DomainErrorKind.NotFound => StatusCodes.Status404NotFound,
            DomainErrorKind.Conflict => StatusCodes.Status409Conflict,
            DomainErrorKind.Forbidden => StatusCodes.Status403Forbidden,
            _ => StatusCodes.Status400BadRequest,
        };
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is DatabaseBusyException)
        {
            // A bounded wait for the database ran out: this request fails, the process goes on.
            return await UnavailableAsync(httpContext, exception, "database.busy", "The service is busy. Please try again in a moment.", retryAfterSeconds: 1);
        }

        if (DatabaseErrors.IsUnavailable(exception))
        {
            // The database is away (restarting, failing over): the instance serves again by itself
            // once it is back, and /health/ready says so meanwhile.
            LogDatabaseUnavailable(logger, exception, httpContext.Request.Method, httpContext.GetEndpoint()?.DisplayName ?? "(no endpoint)");
            return await UnavailableAsync(httpContext, exception, "database.unavailable", "The service is unavailable for a moment. Please try again shortly.", retryAfterSeconds: 5);
        }

        if (exception is BadHttpRequestException badRequest)
        {
            // An API body or parameter that does not parse (malformed JSON, an unknown enum value):
            // the framework's own words about which parameter, never a stack trace.
            httpContext.Response.StatusCode = badRequest.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = new ProblemDetails
                {
                    Status = badRequest.StatusCode,
                    Title = "The request could not be read.",
                    Detail = badRequest.InnerException is System.Text.Json.JsonException ? "The body is not valid JSON for this operation." : badRequest.Message,
                    Type = "urn:keyportal:error:request.malformed",
                    Extensions = { ["code"] = "request.malformed" },
                },
            });
        }

        if (exception is not DomainException refused)
        {
            return false;
        }

        var status = StatusCodeOf(refused.Error);
        httpContext.Response.StatusCode = status;
        var details = new ProblemDetails
        {
            Status = status,
            Title = refused.Error.Message,
            Type = $"urn:keyportal:error:{refused.Error.Code}",
            Extensions = { ["code"] = refused.Error.Code },
        };
        foreach (var (name, value) in refused.Error.Details ?? new Dictionary<string, object>())
        {
            details.Extensions[name] = value;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = details,
        });
    }

    /// <summary>503 with <c>Retry-After</c> and a problem carrying <paramref name="code"/>: the request failed, the instance goes on.</summary>
    private async ValueTask<bool> UnavailableAsync(HttpContext httpContext, Exception exception, string code, string title, int retryAfterSeconds)
    {
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = title,
                Type = $"urn:keyportal:error:{code}",
                Extensions = { ["code"] = code },
            },
        });
    }

    // The endpoint's name, never the path: a link's path is its token.
    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "The database is unavailable: {Method} {Endpoint} answered 503")]
    private static partial void LogDatabaseUnavailable(Microsoft.Extensions.Logging.ILogger logger, Exception exception, string method, string endpoint);
}
