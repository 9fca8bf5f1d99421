using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace KeyPortal.IdP.Connect;

/// <summary>
/// OpenIddict's application manager, remembering for a few minutes that a client secret was
/// verified (<see cref="VerifiedSecrets"/>). API token clients are checked by
/// <see cref="ApiTokenClientCredentials"/> on every request and never remembered: a revoked
/// token must fail on its very next request.
/// </summary>
internal sealed class CachingApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store,
    VerifiedSecrets verified,
    ApiTokenClientCredentials apiTokens)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store)
    where TApplication : class
{
    public override async ValueTask<bool> ValidateClientSecretAsync(TApplication application, string secret, CancellationToken cancellationToken = default)
    {
        if (await GetClientIdAsync(application, cancellationToken) is { } clientId && ApiTokenClientCredentials.IsApiTokenClient(clientId))
        {
            return await apiTokens.VerifyAsync(clientId, secret, cancellationToken);
        }

        return await base.ValidateClientSecretAsync(application, secret, cancellationToken);
    }

    protected override async ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default)
    {
        if (verified.Contains(comparand, secret))
        {
            return true;
        }

        var valid = await base.ValidateClientSecretAsync(secret, comparand, cancellationToken);
        if (valid)
        {
            verified.Remember(comparand, secret);
        }

        return valid;
    }
}
