namespace KeyPortal.IdP.Tests.Support;

/// <summary>
/// One seeded identity provider with the test defaults, shared by every test class that needs
/// no settings of its own: <c>[Collection(SharedIdp.Name)] public sealed class XTests(IdpHost host)</c>.
/// The classes of a collection run one after another, so a test may count what it caused (audit
/// entries, emails) as it did on a host of its own. A test that changes an account or signs in
/// with a password uses a person of its own (<see cref="IdpHost.NewPersonAsync"/>): the seeded
/// people stay as seeded, and no account meets its sign-in limit (10 per 5 minutes).
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedIdp : ICollectionFixture<IdpHost>
{
    public const string Name = "Shared identity provider";
}

/// <summary>
/// A host of one test class's own, for a class whose tests share settings no other class has:
/// the first test starts it with the class's settings, the others reuse it, and it is disposed
/// after the class's last test.
/// </summary>
public sealed class ClassHost : IAsyncLifetime
{
    private Task<IdpHost>? _host;

    public Task<IdpHost> StartOnceAsync(Action<IdpHostOptions>? configure = null) =>
        _host ??= IdpHost.StartAsync(configure);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is { IsCompletedSuccessfully: true })
        {
            await (await _host).DisposeAsync();
        }
    }
}
