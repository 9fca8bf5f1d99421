using System.Text.Json;
using KeyPortal.Core.Errors;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Portal.Tests.Hosting;

public sealed class DomainExceptionHandlerTests
{
    [Theory]
    [InlineData("organization.last_owner", 409)]
    [InlineData("membership.not_found", 404)]
    [InlineData("email.invalid", 400)]
    public async Task Refusal_BecomesProblemDetailsWithItsCode(string code, int status)
    {
        var error = new[] { DomainErrors.LastOwner, DomainErrors.MembershipNotFound, DomainErrors.EmailInvalid }.Single(e => e.Code == code);
        var (context, body) = NewContext();

        var handled = await Handler(context).TryHandleAsync(context, new DomainException(error), CancellationToken.None);

        Assert.True(handled);
        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        using var json = JsonDocument.Parse(body.ToArray());
        Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        Assert.Equal(error.Message, json.RootElement.GetProperty("title").GetString());
        Assert.Equal(status, json.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task OtherExceptions_AreLeftToTheErrorPage()
    {
        var (context, body) = NewContext();

        var handled = await Handler(context).TryHandleAsync(context, new InvalidOperationException("secret detail"), CancellationToken.None);

        Assert.False(handled);
        Assert.Equal(0, body.Length);
    }

    private static DomainExceptionHandler Handler(HttpContext context) =>
        new(context.RequestServices.GetRequiredService<IProblemDetailsService>(), Microsoft.Extensions.Logging.Abstractions.NullLogger<DomainExceptionHandler>.Instance);

    private static (DefaultHttpContext Context, MemoryStream Body) NewContext()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddProblemDetails();
        var body = new MemoryStream();
        var context = new DefaultHttpContext { RequestServices = services.BuildServiceProvider() };
        context.Request.Headers.Accept = "application/json";
        context.Response.Body = body;
        return (context, body);
    }
}
