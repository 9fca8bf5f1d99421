using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Support;

/// <summary>
/// How one identity provider host differs from the test defaults (Development, demo data,
/// mail to the host's <see cref="TestSupport.Mailbox"/>, limits that one test address never meets).
/// </summary>
public sealed class IdpHostOptions
{
    private readonly List<KeyValuePair<string, string?>> _settings = [];
    private readonly List<Action<IServiceCollection>> _services = [];
    private readonly List<Func<TestSupport.TestDatabase, Task>> _beforeStart = [];
    private readonly List<IDisposable> _owned = [];

    internal string Environment { get; private set; } = "Development";

    internal bool MailToFiles { get; private set; }

    internal Core.Persistence.DatabaseProvider Provider { get; private set; } = Core.Persistence.DatabaseProvider.Sqlite;

    internal IReadOnlyList<KeyValuePair<string, string?>> Settings => _settings;

    internal IReadOnlyList<Func<TestSupport.TestDatabase, Task>> BeforeStartSteps => _beforeStart;

    internal IReadOnlyList<IDisposable> Owned => _owned;

    /// <summary>A configuration value, over the defaults and any earlier one.</summary>
    public IdpHostOptions Setting(string key, string? value)
    {
        _settings.Add(new(key, value));
        return this;
    }

    /// <summary>Runs over a new database on the test PostgreSQL server instead of a SQLite file.</summary>
    public IdpHostOptions OnPostgres()
    {
        Provider = Core.Persistence.DatabaseProvider.Postgres;
        return this;
    }

    public IdpHostOptions UseEnvironment(string environment)
    {
        Environment = environment;
        return this;
    }

    /// <summary>Writes mail to the host's <c>MailDirectory</c> (the development delivery) instead of sending it.</summary>
    public IdpHostOptions DeliverMailToFiles()
    {
        MailToFiles = true;
        return this;
    }

    public IdpHostOptions ConfigureServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    /// <summary>Each request "comes from" the address in the <see cref="PeerAddress.Header"/> header, as from a socket.</summary>
    public IdpHostOptions PeerAddressFromHeader() =>
        ConfigureServices(services => services.AddSingleton<IStartupFilter, PeerAddress>());

    /// <summary>Work on the migrated, seeded database before the app starts (what an earlier deployment left).</summary>
    public IdpHostOptions BeforeStart(Func<TestSupport.TestDatabase, Task> step)
    {
        _beforeStart.Add(step);
        return this;
    }

    /// <summary>Something the host disposes with itself (key files written for it...).</summary>
    public T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    internal void Apply(IServiceCollection services)
    {
        foreach (var configure in _services)
        {
            configure(services);
        }
    }
}
