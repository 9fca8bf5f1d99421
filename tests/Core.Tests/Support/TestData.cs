namespace KeyPortal.Core.Tests.Support;

/// <summary>A fixed "now" for every test, so times written to the database can be compared exactly.</summary>
public static class TestClock
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);

    public static FakeTimeProvider Create() => new(Start);
}

/// <summary>Names that no other test of the run uses, so tests sharing a database never collide.</summary>
public static class Unique
{
    private static int _last;

    public static int Next() => Interlocked.Increment(ref _last);

    public static string Email(string name = "member") => $"{name}.{Next()}@example.com";

    public static string Slug(string name = "org") => $"{name}-{Next()}";
}

/// <summary>Who acts in a test, with the client address the audit must record.</summary>
public static class Actors
{
    public const string OwnerAddress = "203.0.113.7";

    public static AuditActor Operator { get; } =
        new(Guid.Parse("0195a6d2-0000-7000-8000-000000000001"), "operator@vendor.example", "198.51.100.10");

    public static AuditActor Of(User user) => AuditActor.ForUser(user, OwnerAddress);
}
