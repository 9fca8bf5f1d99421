using KeyPortal.Core.Authorization;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.ApiTokens;

/// <summary>An API token as the Manage API token page lists it (never its secret).</summary>
public sealed record ApiTokenView(
    Guid Id, string PublicId, string Name, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt, string? LastUsedFrom);

/// <summary>A token just generated: <see cref="Value"/> is shown once and stored nowhere.</summary>
public sealed record GeneratedApiToken(ApiTokenView Token, string Value)
{
    /// <summary>Never the secret, so a token logged by accident shows its id only.</summary>
    public override string ToString() => Token.PublicId;
}

/// <summary>Whom a live token acts for: its member, in its organization.</summary>
public sealed record ApiTokenCaller(Guid TokenId, string PublicId, Guid UserId, Guid OrganizationId);

/// <summary>
/// SPEC API tokens. Owners and Admins generate tokens for their organization; a token acts for
/// its member with the member's permissions of the moment, so it is checked against the
/// database on every call: it stops at once when the member is suspended, deactivated or reset,
/// leaves the organization or no longer holds <see cref="Permission.GenerateApiToken"/>.
/// Suspension, resets, removal and a demotion also delete the member's tokens
/// (<see cref="DeleteForMemberAsync"/>), so a later reinstatement never revives an old secret.
/// </summary>
public sealed class ApiTokenService(PortalDbContext db, AuditTrail audit, TimeProvider clock, IOptions<ApiTokenOptions> options)
{
    public ApiTokenOptions Options => options.Value;

    /// <summary>The organization's tokens, newest first.</summary>
    public async Task<IReadOnlyList<ApiTokenView>> ListAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
        await db.ApiTokens.AsNoTracking()
            .Where(t => t.OrganizationId == organizationId)
            .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id)
            .Select(t => new ApiTokenView(
                t.Id, t.PublicId, t.Name, db.Users.Where(u => u.Id == t.UserId).Select(u => u.Email).FirstOrDefault() ?? "", t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.LastUsedFrom))
            .ToListAsync(cancellationToken);

    /// <summary>
    /// Generates a token for the acting member in <paramref name="organizationId"/>; the member's
    /// permission is checked here, under the user's row lock, not only by the caller's policy.
    /// </summary>
    public Task<GeneratedApiToken> GenerateAsync(
        AuditActor actor, Guid organizationId, string? name, DateTimeOffset? expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        name = name?.Trim() ?? "";
        if (name.Length is 0 or > ApiToken.MaxNameLength || name.Any(char.IsControl))
        {
            throw new DomainException(DomainErrors.ApiTokenNameInvalid);
        }

        var now = clock.GetUtcNow();
        var expiry = expiresAt ?? now + Options.DefaultLifetime;
        if (expiry <= now || expiry > now + Options.MaxLifetime)
        {
            throw new DomainException(DomainErrors.ApiTokenExpiryInvalid((int)Options.MaxLifetime.TotalDays));
        }

        return db.InTransactionAsync(async ct =>
        {
            var userId = actor.UserId ?? throw new DomainException(DomainErrors.ApiTokenNotPermitted);
            var user = await db.LockUserAsync(userId, ct);
            await RequireMayGenerateAsync(actor, user, organizationId, ct);
            var secret = ApiTokenSecret.Generate();
            var token = ApiToken.Create(secret, name, userId, organizationId, now, expiry);
            db.ApiTokens.Add(token);
            audit.Record(actor, AuditActions.ApiTokenGenerated, organizationId, userId, new { token = token.PublicId, name, expiresAt = expiry });
            var view = new ApiTokenView(token.Id, token.PublicId, token.Name, user.Email ?? "", now, expiry, null, null);
            return new GeneratedApiToken(view, secret.Value);
        }, cancellationToken);
    }

    /// <summary>Revokes (deletes) one of the organization's tokens; any member who may generate tokens there may.</summary>
    public Task RevokeAsync(AuditActor actor, Guid organizationId, Guid tokenId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return db.InTransactionAsync(async ct =>
        {
            var userId = actor.UserId ?? throw new DomainException(DomainErrors.ApiTokenNotPermitted);
            var user = await db.LockUserAsync(userId, ct);
            await RequireMayGenerateAsync(actor, user, organizationId, ct);
            var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId && t.OrganizationId == organizationId, ct)
                ?? throw new DomainException(DomainErrors.ApiTokenNotFound);
            db.ApiTokens.Remove(token);
            audit.Record(actor, AuditActions.ApiTokenRevoked, organizationId, token.UserId, new { token = token.PublicId, token.Name });
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// The caller behind a presented token, or null (unknown, wrong secret, expired, or its member
    /// no longer may hold it: every refusal looks the same). Records when and from where it was used.
    /// </summary>
    public async Task<ApiTokenCaller?> AuthenticateAsync(string? presented, string? clientAddress, CancellationToken cancellationToken = default)
    {
        if (ApiTokenSecret.Parse(presented) is not { } secret)
        {
            return null;
        }

        var live = await LiveAsync(secret.PublicId, cancellationToken);
        // Compared in constant time; an unknown id compares against a hash no secret has.
        if (!secret.Matches(live?.SecretHash ?? UnknownHash) || live is null)
        {
            return null;
        }

        await TouchAsync(live, clientAddress, cancellationToken);
        return live.Caller;
    }

    /// <summary>
    /// The caller behind a token named by its public id, without its secret: for an access token
    /// the identity provider issued against the token (which proved the secret then), re-checked
    /// now so that revocation and every change of the member reach it on the next call.
    /// </summary>
    public async Task<ApiTokenCaller?> FindLiveAsync(string? publicId, string? clientAddress, CancellationToken cancellationToken = default)
    {
        if (!ApiTokenSecret.IsPublicId(publicId) || await LiveAsync(publicId!, cancellationToken) is not { } live)
        {
            return null;
        }

        await TouchAsync(live, clientAddress, cancellationToken);
        return live.Caller;
    }

    /// <summary>
    /// Checks a client secret at the identity provider's token endpoint: the token, its public id
    /// as client id. The caller for a live token whose secret matches; null for anything else.
    /// </summary>
    public async Task<ApiTokenCaller?> VerifyClientAsync(string? clientId, string? clientSecret, string? clientAddress, CancellationToken cancellationToken = default)
    {
        if (ApiTokenSecret.Parse(clientSecret) is not { } secret || !string.Equals(secret.PublicId, clientId, StringComparison.Ordinal))
        {
            return null;
        }

        return await AuthenticateAsync(clientSecret, clientAddress, cancellationToken);
    }

    /// <summary>
    /// Deletes a member's tokens (in one organization, or in all) inside the caller's transaction,
    /// each with an audit entry naming the token and why it ended.
    /// </summary>
    public static async Task<int> DeleteForMemberAsync(
        PortalDbContext db, AuditTrail audit, AuditActor actor, Guid userId, Guid? organizationId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(audit);
        var tokens = db.ApiTokens.Where(t => t.UserId == userId && (organizationId == null || t.OrganizationId == organizationId));
        foreach (var token in await tokens.AsNoTracking().Select(t => new { t.PublicId, t.Name, t.OrganizationId }).ToListAsync(cancellationToken))
        {
            audit.Record(actor, AuditActions.ApiTokenRevoked, token.OrganizationId, userId, new { token = token.PublicId, token.Name, reason });
        }

        return await tokens.ExecuteDeleteAsync(cancellationToken);
    }

    private static readonly byte[] UnknownHash = new byte[32];

    private async Task RequireMayGenerateAsync(AuditActor actor, User user, Guid organizationId, CancellationToken ct)
    {
        var roles = await db.Memberships.AsNoTracking()
            .Where(m => m.UserId == user.Id && m.OrganizationId == organizationId)
            .Select(m => (MemberRoles?)new MemberRoles(m.OrganizationRole, m.ChannelRoles))
            .SingleOrDefaultAsync(ct);
        // A session an organization's identity provider made reaches that organization only.
        if (roles is null || (actor.SessionScope is { } scope && scope != organizationId)
            || !PermissionMatrix.Allows(user.State, roles.Value, Permission.GenerateApiToken))
        {
            throw new DomainException(DomainErrors.ApiTokenNotPermitted);
        }
    }

    private async Task<LiveToken?> LiveAsync(string publicId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var row = await (
                from t in db.ApiTokens.AsNoTracking()
                where t.PublicId == publicId && t.ExpiresAt > now
                join m in db.Memberships on new { t.UserId, t.OrganizationId } equals new { m.UserId, m.OrganizationId }
                select new { t.Id, t.PublicId, t.SecretHash, t.UserId, t.OrganizationId, t.LastUsedAt, m.OrganizationRole, m.ChannelRoles, m.User.State })
            .SingleOrDefaultAsync(ct);
        return row is not null && PermissionMatrix.Allows(row.State, new MemberRoles(row.OrganizationRole, row.ChannelRoles), Permission.GenerateApiToken)
            ? new LiveToken(new ApiTokenCaller(row.Id, row.PublicId, row.UserId, row.OrganizationId), row.SecretHash, row.LastUsedAt)
            : null;
    }

    private async Task TouchAsync(LiveToken live, string? clientAddress, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (live.LastUsedAt is { } last && now - last < Options.LastUsedResolution)
        {
            return;
        }

        var threshold = now - Options.LastUsedResolution;
        var from = clientAddress is { Length: > 64 } ? clientAddress[..64] : clientAddress;
        await db.InTransactionAsync(
            async c => await db.ApiTokens
                .Where(t => t.Id == live.Caller.TokenId && (t.LastUsedAt == null || t.LastUsedAt < threshold))
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.LastUsedAt, now).SetProperty(t => t.LastUsedFrom, t => from ?? t.LastUsedFrom), c),
            ct);
    }

    private sealed record LiveToken(ApiTokenCaller Caller, byte[] SecretHash, DateTimeOffset? LastUsedAt);
}
