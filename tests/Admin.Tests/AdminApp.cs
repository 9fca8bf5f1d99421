using KeyPortal.TestSupport.RelyingParty;

namespace KeyPortal.Admin.Tests;

/// <summary>
/// One console behind the fake identity provider for every class of <see cref="Collection"/>:
/// each test makes the operators, organizations and people it needs, and the classes run one
/// after another. Each start costs seconds.
/// </summary>
[CollectionDefinition(Collection)]
public sealed class AdminApp : ICollectionFixture<RelyingPartyAppFactory<Program>>
{
    public const string Collection = "Admin console";
}
