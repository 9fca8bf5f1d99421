using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Core.Persistence;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace KeyPortal.IdP.Connect;

/// <summary>
/// Creates or updates the configured clients at start-up, so redirect URIs and secrets always
/// match configuration (exact redirect URIs only; no wildcards; an unchanged secret keeps its
/// stored hash). Outside Development, clients
/// that configuration no longer names are deleted with their grants and tokens, so a database
/// once started in Development cannot keep <c>demo-client</c> in production.
/// </summary>
internal sealed partial class ClientRegistrations(
    IServiceProvider services, IOptions<IdentityProviderOptions> options, IOptions<PublicUrlOptions> urls,
    IHostEnvironment environment, IHostApplicationLifetime lifetime, ILogger<ClientRegistrations> logger) : IHostedService
{
    private Task _later = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Every client's settings are checked before any is written, and whether or not the
        // database is there yet: a misconfigured client stops the start.
        foreach (var client in options.Value.Clients)
        {
            _ = Describe(client, urls.Value);
        }

        if (!await TryRegisterAsync(cancellationToken))
        {
            // Start anyway so /health/ready can say what is wrong, and register the clients as
            // soon as the database is there and migrated: no restart needed.
            LogDatabaseNotReady(logger);
            // The host's own stopping signal, not a source of ours: the host may dispose its
            // services while it is still stopping them, and its signal outlives that.
            _later = RegisterOnceReadyAsync(lifetime.ApplicationStopping);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _later.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting for the database.
        }
    }

    private async Task RegisterOnceReadyAsync(CancellationToken stopping)
    {
        var wait = TimeSpan.FromSeconds(1);
        while (true)
        {
            await Task.Delay(wait, stopping);
            try
            {
                if (await TryRegisterAsync(stopping))
                {
                    LogRegisteredLate(logger);
                    return;
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // At start such an error (a client misconfigured) stops the host; here nothing
                // would see it but the log.
                LogRegistrationFailed(logger, exception);
                return;
            }

            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxWaitForDatabase.Ticks));
        }
    }

    /// <summary>Registers the clients; false while the database is unreachable or not migrated.</summary>
    private async Task<bool> TryRegisterAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = services.CreateAsyncScope();
            if (!await DatabaseMigrator.IsReadyAsync(scope.ServiceProvider.GetRequiredService<PortalDbContext>(), cancellationToken))
            {
                return false;
            }

            await RegisterAllAsync(scope, cancellationToken);
            return true;
        }
        catch (Exception exception) when (DatabaseErrors.IsUnavailable(exception))
        {
            return false;
        }
    }

    private async Task RegisterAllAsync(AsyncServiceScope scope, CancellationToken cancellationToken)
    {
        foreach (var client in options.Value.Clients)
        {
            // Instances that start together write the same rows: the one that loses reads the
            // other's and writes again (each try in a fresh unit of work, never with the stale row).
            for (var attempt = 1; ; attempt++)
            {
                await using var attemptScope = services.CreateAsyncScope();
                try
                {
                    await RegisterAsync(attemptScope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>(), Describe(client, urls.Value), cancellationToken);
                    break;
                }
                catch (Exception exception) when (attempt < MaxAttempts && IsConcurrentWrite(exception))
                {
                    LogConcurrentWrite(logger, client.ClientId, attempt);
                }
            }

            LogRegistered(logger, client.ClientId);
        }

        if (!environment.IsDevelopment())
        {
            await PruneAsync(scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>(), cancellationToken);
        }
    }

    private const int MaxAttempts = 5;

    private static readonly TimeSpan MaxWaitForDatabase = TimeSpan.FromSeconds(30);

    private async Task RegisterAsync(IOpenIddictApplicationManager applications, OpenIddictApplicationDescriptor descriptor, CancellationToken cancellationToken)
    {
        var existing = await applications.FindByClientIdAsync(descriptor.ClientId!, cancellationToken);
        if (existing is null)
        {
            await applications.CreateAsync(descriptor, cancellationToken);
            return;
        }

        // A public client (Describe: only when configuration says so) has no secret to keep.
        if (descriptor.ClientSecret is { Length: > 0 } secret)
        {
            if (existing is OpenIddictEntityFrameworkCoreApplication { ClientSecret: { } stored }
                && await applications.ValidateClientSecretAsync(existing, secret, cancellationToken))
            {
                // The same secret keeps its stored hash: hashing it anew (another salt) would
                // change its version and so end the client's live tokens (ClientTokens) at
                // every start of every instance.
                descriptor.ClientSecret = stored;
            }
            else
            {
                // A rotation, or instances configured with different secrets (then each start
                // replaces the other's and the client's tokens end with it).
                LogSecretReplaced(logger, descriptor.ClientId!);
            }
        }

        await applications.UpdateAsync(existing, descriptor, cancellationToken);
    }

    /// <summary>Another instance created, updated or deleted the same client between this one's read and its write.</summary>
    private static bool IsConcurrentWrite(Exception exception) =>
        exception is OpenIddictExceptions.ConcurrencyException
        || ((exception as Microsoft.EntityFrameworkCore.DbUpdateException ?? exception.InnerException as Microsoft.EntityFrameworkCore.DbUpdateException) is { } update
            && DatabaseErrors.IsUniqueViolation(update))
        || DatabaseErrors.IsConflict(exception);

    private async Task PruneAsync(IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        var configured = options.Value.Clients.Select(c => c.ClientId).ToHashSet(StringComparer.Ordinal);
        if (configured.Count == 0)
        {
            // A missing or mistyped section must not wipe every client, grant and token.
            LogNothingConfigured(logger);
            return;
        }

        var stale = new List<(string Id, string ClientId)>();
        await foreach (var application in applications.ListAsync(count: null, offset: null, cancellationToken))
        {
            var clientId = await applications.GetClientIdAsync(application, cancellationToken);
            if (clientId is null || !configured.Contains(clientId))
            {
                stale.Add((await applications.GetIdAsync(application, cancellationToken) ?? "", clientId ?? "(none)"));
            }
        }

        foreach (var (id, clientId) in stale)
        {
            await RemoveAsync(id, clientId, cancellationToken);
        }
    }

    /// <summary>
    /// Deletes a stale client, each try in a unit of work of its own: another instance starting at
    /// the same time may delete the same client. OpenIddict's store deletes it with its
    /// authorizations and tokens in a serializable transaction, which PostgreSQL then undoes with a
    /// serialization failure (SQLite: the concurrency check), so a failed try looks again.
    /// </summary>
    private async Task RemoveAsync(string id, string clientId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var deleteScope = services.CreateAsyncScope();
            var manager = deleteScope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            try
            {
                if (await manager.FindByIdAsync(id, cancellationToken) is not { } application)
                {
                    if (attempt > 1)
                    {
                        LogRemovedElsewhere(logger, clientId);
                    }

                    return;
                }

                await manager.DeleteAsync(application, cancellationToken);
                LogRemoved(logger, clientId);
                return;
            }
            catch (Exception exception) when (attempt < MaxAttempts && IsConcurrentWrite(exception))
            {
                LogConcurrentWrite(logger, clientId, attempt);
            }
        }
    }

    internal static OpenIddictApplicationDescriptor Describe(ClientOptions client, PublicUrlOptions urls)
    {
        if (ApiTokenClientCredentials.IsApiTokenClient(client.ClientId))
        {
            // Such ids name API tokens (SharedApplicationStore never looks them up as rows).
            throw new InvalidOperationException($"Client {client.ClientId}: ids of the shape of an API token's public id are reserved for API tokens.");
        }

        var hasSecret = !string.IsNullOrEmpty(client.ClientSecret);
        if (client.Public && hasSecret)
        {
            throw new InvalidOperationException($"OIDC client {client.ClientId} is Public and has a ClientSecret: a public client has none.");
        }

        if (!client.Public && !hasSecret)
        {
            throw new InvalidOperationException(
                $"OIDC client {client.ClientId} has no ClientSecret in IdentityProvider:Clients. Give it one (the same on every instance), "
                + "or set Public to true for an app that cannot keep a secret.");
        }

        if (client.Public && client.GrantTypes.Contains(GrantTypes.ClientCredentials, StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"OIDC client {client.ClientId} is Public: client_credentials needs a secret.");
        }

        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            ClientType = client.Public ? ClientTypes.Public : ClientTypes.Confidential,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = string.IsNullOrEmpty(client.DisplayName) ? client.ClientId : client.DisplayName,
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        descriptor.RedirectUris.UnionWith(client.RedirectUris.Select(uri => Resolve(uri, urls)));
        descriptor.PostLogoutRedirectUris.UnionWith(client.PostLogoutRedirectUris.Select(uri => Resolve(uri, urls)));
        descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.Endpoints.Revocation, Permissions.Endpoints.Introspection]);
        foreach (var grant in client.GrantTypes)
        {
            switch (grant)
            {
                case GrantTypes.AuthorizationCode:
                    descriptor.Permissions.UnionWith([
                        Permissions.Endpoints.Authorization, Permissions.Endpoints.EndSession,
                        Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code]);
                    break;
                case GrantTypes.RefreshToken:
                    descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
                    break;
                case GrantTypes.ClientCredentials:
                    descriptor.Permissions.Add(Permissions.GrantTypes.ClientCredentials);
                    break;
                default:
                    throw new InvalidOperationException($"Client {client.ClientId}: unsupported grant type '{grant}'.");
            }
        }

        foreach (var scope in client.Scopes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        // Only clients allowed the api or operator scope may name the portal API as a resource.
        if (client.Scopes.Contains(ServerSetup.ApiScope, StringComparer.Ordinal) || client.Scopes.Contains(ServerSetup.OperatorScope, StringComparer.Ordinal))
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Resource + ServerSetup.ApiResource);
        }

        return descriptor;
    }

    internal static Uri Resolve(string configured, PublicUrlOptions urls)
    {
        var resolved = configured
            .Replace("{Portal}", urls.Portal.AbsoluteUri, StringComparison.Ordinal)
            .Replace("{Admin}", urls.Admin.AbsoluteUri, StringComparison.Ordinal)
            .Replace("{IdP}", urls.IdP.AbsoluteUri, StringComparison.Ordinal);
        return Uri.TryCreate(resolved, UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidOperationException($"Redirect URI '{configured}' is not an absolute URI.");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The database is unreachable or not migrated (run the migrate command): OIDC clients will be registered once it is ready")]
    private static partial void LogDatabaseNotReady(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database is ready: OIDC clients registered")]
    private static partial void LogRegisteredLate(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "OIDC clients could not be registered once the database was ready")]
    private static partial void LogRegistrationFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "No OIDC clients are configured (IdentityProvider:Clients): registered clients were left as they are")]
    private static partial void LogNothingConfigured(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OIDC client {ClientId} is not in configuration any more: removed with its grants and tokens")]
    private static partial void LogRemoved(ILogger logger, string clientId);

    [LoggerMessage(Level = LogLevel.Information, Message = "OIDC client {ClientId} is not in configuration any more and another instance removed it at the same time")]
    private static partial void LogRemovedElsewhere(ILogger logger, string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OIDC client {ClientId}: the configured secret is not the stored one and replaces it (every instance must be given the same secret)")]
    private static partial void LogSecretReplaced(ILogger logger, string clientId);

    [LoggerMessage(Level = LogLevel.Information, Message = "OIDC client {ClientId} was written by another instance at the same time (try {Attempt}): reading it again")]
    private static partial void LogConcurrentWrite(ILogger logger, string clientId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "OIDC client {ClientId} registered")]
    private static partial void LogRegistered(ILogger logger, string clientId);
}
