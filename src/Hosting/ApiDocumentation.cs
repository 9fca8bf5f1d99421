using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace KeyPortal.Hosting;

/// <summary>
/// The API's OpenAPI document (<see cref="DocumentPath"/>, generated from the endpoints by
/// Microsoft.AspNetCore.OpenApi) and an interactive reference page (Scalar) at
/// <see cref="ReferencePath"/>. Both are public: they describe the API, they hold no data.
/// </summary>
public static class ApiDocumentation
{
    public const string DocumentName = "v1";

    public const string DocumentPath = "/api/openapi/v1.json";

    public const string ReferencePath = "/api/docs";

    /// <summary>
    /// Scalar's page configures itself with an inline script and inline styles: allowed on that
    /// page only (it shows the public document and nothing else); every other page keeps the strict policy.
    /// </summary>
    public const string ReferencePolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        + "font-src 'self' data:; frame-ancestors 'none'; object-src 'none'; base-uri 'self'";

    public static IServiceCollection AddApiDocumentation(this IServiceCollection services, string title, string description)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo { Title = title, Version = DocumentName, Description = description };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API token (kpat_…), or an access token from the identity provider's token endpoint.",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
                return Task.CompletedTask;
            });
            // The document lists the versioned API only (not sign-in or health endpoints).
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
        });
        return services;
    }

    public static IEndpointRouteBuilder MapApiDocumentation(this IEndpointRouteBuilder endpoints, string title)
    {
        endpoints.MapOpenApi("/api/openapi/{documentName}.json").AllowAnonymous();
        endpoints.MapScalarApiReference(ReferencePath, options => options
                .WithTitle(title)
                .WithOpenApiRoutePattern("/api/openapi/{documentName}.json")
                .AddDocument(DocumentName))
            .AllowAnonymous()
            .AddEndpointFilter(static async (context, next) =>
            {
                context.HttpContext.Response.Headers.ContentSecurityPolicy = ReferencePolicy;
                return await next(context);
            });
        return endpoints;
    }
}
