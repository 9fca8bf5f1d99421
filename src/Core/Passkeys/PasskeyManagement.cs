namespace KeyPortal.Core.Passkeys;

/// <summary>One of a user's passkeys as the account page lists it.</summary>
/// <param name="Model">The authenticator model from its AAGUID, or null when unknown.</param>
public sealed record PasskeySummary(
    Guid Id, string Name, string? Model, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, bool BackupEligible, bool BackedUp)
{
    /// <summary>Device-bound: the private key cannot leave the authenticator (not backup-eligible).</summary>
    public bool DeviceBound => !BackupEligible;
}

/// <summary>
/// A user's own passkeys: list, rename, remove. Every change is audited in its transaction and
/// takes the user's row lock, so two removals cannot together delete the last passkey.
/// </summary>
public sealed class PasskeyManagement(PortalDbContext db, AuditTrail audit, TimeProvider clock, AuthenticatorCatalog catalog)
{
    public const int MaxNameLength = 64;

    public async Task<IReadOnlyList<PasskeySummary>> ListAsync(Guid userId, CancellationToken cancellationToken = default)
    {
        var rows = await db.PasskeyCredentials.AsNoTracking()
            .Where(p => p.UserId == userId)
            .OrderBy(p => p.CreatedAt)
            .Select(p => new { p.Id, p.Name, p.Aaguid, p.CreatedAt, p.LastUsedAt, p.BackupEligible, p.BackedUp })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(p => new PasskeySummary(p.Id, p.Name, catalog.Find(p.Aaguid)?.Name, p.CreatedAt, p.LastUsedAt, p.BackupEligible, p.BackedUp))];
    }

    /// <summary>Renames one of the user's passkeys: 1–64 characters after trimming, unique per user (ignoring case).</summary>
    public Task RenameAsync(AuditActor actor, Guid userId, Guid passkeyId, string? name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > MaxNameLength || trimmed.Any(char.IsControl))
        {
            throw new DomainException(DomainErrors.PasskeyNameInvalid);
        }

        return db.InTransactionAsync(async ct =>
        {
            await db.LockUserAsync(userId, ct);
            var passkey = await FindAsync(userId, passkeyId, ct);
            var others = await db.PasskeyCredentials.Where(p => p.UserId == userId && p.Id != passkeyId).Select(p => p.Name).ToListAsync(ct);
            if (others.Contains(trimmed, StringComparer.OrdinalIgnoreCase))
            {
                throw new DomainException(DomainErrors.PasskeyNameTaken);
            }

            var previous = passkey.Name;
            passkey.Name = trimmed;
            audit.Record(actor, AuditActions.PasskeyRenamed, null, userId, new { passkeyId, from = previous, to = trimmed });
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Removes one of the user's passkeys. A credential change: every other session, token and
    /// grant of the account ends (<see cref="SessionRevocation.EndOthersAfterCredentialChangeAsync"/>);
    /// <paramref name="currentSessionId"/> continues unless it was signed in with the removed key.
    /// The last passkey of a user without a password is refused: they would be locked out.
    /// </summary>
    public Task<int> RemoveAsync(AuditActor actor, Guid userId, Guid passkeyId, CancellationToken cancellationToken = default) =>
        RemoveAsync(actor, userId, passkeyId, currentSessionId: null, cancellationToken);

    public Task<int> RemoveAsync(
        AuditActor actor, Guid userId, Guid passkeyId, Guid? currentSessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return db.InTransactionAsync(async ct =>
        {
            var user = await db.LockUserAsync(userId, ct);
            var passkey = await FindAsync(userId, passkeyId, ct);
            var count = await db.PasskeyCredentials.CountAsync(p => p.UserId == userId, ct);
            if (count <= 1 && !user.HasPassword)
            {
                throw new DomainException(DomainErrors.PasskeyLastOne);
            }

            db.PasskeyCredentials.Remove(passkey);
            var now = clock.GetUtcNow();
            var keep = currentSessionId is { } current
                && await db.UserSessions.AnyAsync(s => s.Id == current && s.UserId == userId && s.PasskeyCredentialId != passkeyId, ct)
                ? currentSessionId : null;
            user.RotateSecurityStamp();
            var sessions = await SessionRevocation.EndOthersAfterCredentialChangeAsync(db, user, keep, "passkey removed", now, ct);
            audit.Record(actor, AuditActions.PasskeyRemoved, null, userId, new { passkeyId, name = passkey.Name, sessionsEnded = sessions });
            return sessions;
        }, cancellationToken);
    }

    private async Task<PasskeyCredential> FindAsync(Guid userId, Guid passkeyId, CancellationToken ct) =>
        await db.PasskeyCredentials.SingleOrDefaultAsync(p => p.Id == passkeyId && p.UserId == userId, ct)
            ?? throw new DomainException(DomainErrors.PasskeyNotFound);

}
