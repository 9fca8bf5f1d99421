using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace KeyPortal.IdP.Tests.Support;

/// <summary>Client applications of a test host, made and changed through OpenIddict's manager as an operator's change would be.</summary>
public static class Clients
{
    /// <summary>A new client with the demo client's permissions and <paramref name="secret"/>, so a test may change it freely.</summary>
    public static async Task<string> CopyOfDemoClientAsync(this IdpHost host, string secret)
    {
        ArgumentNullException.ThrowIfNull(host);
        var clientId = $"copy-{Guid.NewGuid():N}";
        await using var scope = host.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var demo = await applications.FindByClientIdAsync("demo-client") ?? throw new InvalidOperationException("No demo client.");
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, demo);
        descriptor.ClientId = clientId;
        descriptor.ClientSecret = secret;
        descriptor.DisplayName = clientId;
        await applications.CreateAsync(descriptor);
        return clientId;
    }

    /// <summary>Gives the client <paramref name="secret"/> (a new stored hash).</summary>
    public static async Task RotateSecretAsync(this IdpHost host, string clientId, string secret)
    {
        ArgumentNullException.ThrowIfNull(host);
        await using var scope = host.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var client = await applications.FindByClientIdAsync(clientId) ?? throw new InvalidOperationException($"No client {clientId}.");
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, client);
        descriptor.ClientSecret = secret;
        await applications.UpdateAsync(client, descriptor);
    }
}
