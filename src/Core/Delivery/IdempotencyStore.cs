using System.Security.Cryptography;

namespace KeyPortal.Core.Delivery;

/// <summary>The answer to a creating call, fresh or replayed from an earlier call with the same key.</summary>
public sealed record IdempotentOutcome(int StatusCode, string Body, string? Location, bool Replayed);

/// <summary>
/// <c>Idempotency-Key</c> for creating calls (draft-ietf-httpapi-idempotency-key-header): the
/// outcome is stored in the creation's own transaction under a unique (caller, key), so however
/// many instances receive the retries, one creates and the others answer with its outcome.
/// </summary>
public sealed class IdempotencyStore(PortalDbContext db, TimeProvider clock)
{
    /// <summary>Keys older than this may be used again for another request.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    public static byte[] HashOf(string method, string path, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{method} {path}\n"));
        hash.AppendData(body);
        return hash.GetHashAndReset();
    }

    /// <summary>
    /// Runs <paramref name="create"/> once per (<paramref name="scope"/>, <paramref name="key"/>):
    /// a later call with the same request gets the stored outcome; with another request, a refusal.
    /// Without a key, simply runs it. A refusal by a rule stores nothing (the retry runs again).
    /// </summary>
    public async Task<IdempotentOutcome> RunAsync(
        string scope, string? key, byte[] requestHash, Func<CancellationToken, Task<IdempotentOutcome>> create, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(create);
        if (key is null)
        {
            return await db.InTransactionAsync(create, cancellationToken);
        }

        if (key.Length is 0 or > IdempotentRequest.MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            throw new DomainException(DomainErrors.IdempotencyKeyInvalid(IdempotentRequest.MaxKeyLength));
        }

        for (var attempt = 0; ; attempt++)
        {
            var since = clock.GetUtcNow() - Retention;
            var stored = await db.IdempotentRequests.AsNoTracking()
                .SingleOrDefaultAsync(r => r.Scope == scope && r.Key == key && r.CreatedAt > since, cancellationToken);
            if (stored is not null)
            {
                return CryptographicOperations.FixedTimeEquals(stored.RequestHash, requestHash)
                    ? new IdempotentOutcome(stored.StatusCode, stored.ResponseBody, stored.Location, Replayed: true)
                    : throw new DomainException(DomainErrors.IdempotencyKeyReused);
            }

            try
            {
                return await db.InTransactionAsync(async ct =>
                {
                    // The caller's expired entries (this key's among them) give way: what is kept per
                    // caller stays bounded by what it sends in a day. Never a live entry: one that a
                    // concurrent call committed meanwhile makes the insert below fail, and this call
                    // answers with its outcome.
                    await db.IdempotentRequests.Where(r => r.Scope == scope && r.CreatedAt <= since).ExecuteDeleteAsync(ct);
                    var outcome = await create(ct);
                    db.IdempotentRequests.Add(new IdempotentRequest
                    {
                        Scope = scope,
                        Key = key,
                        RequestHash = requestHash,
                        StatusCode = outcome.StatusCode,
                        ResponseBody = outcome.Body,
                        Location = outcome.Location,
                        CreatedAt = clock.GetUtcNow(),
                    });
                    return outcome;
                }, cancellationToken);
            }
            catch (DbUpdateException exception) when (DatabaseErrors.IsUniqueViolation(exception) && attempt == 0)
            {
                // A concurrent call with the same key committed first: answer with its outcome.
            }
            catch (DomainException) when (attempt == 0)
            {
                // A rule may have refused this call only because its twin, committed meanwhile,
                // made the thing already (e.g. the order number is now taken): then answer with
                // the twin's outcome; else the refusal stands.
                if (!await StoredAsync(scope, key, cancellationToken))
                {
                    throw;
                }
            }
        }
    }

    private Task<bool> StoredAsync(string scope, string key, CancellationToken ct)
    {
        var since = clock.GetUtcNow() - Retention;
        return db.IdempotentRequests.AsNoTracking().AnyAsync(r => r.Scope == scope && r.Key == key && r.CreatedAt > since, ct);
    }
}
