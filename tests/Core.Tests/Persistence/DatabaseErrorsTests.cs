using Npgsql;

namespace KeyPortal.Core.Tests.Persistence;

/// <summary>Which database errors answer 503 "unavailable": connection failures only, never a query's own failure.</summary>
public sealed class DatabaseErrorsTests
{
    [Theory]
    [InlineData("57P01")] // admin shutdown: a restart
    [InlineData("57P03")] // cannot connect now: starting up
    [InlineData("53300")] // too many connections
    [InlineData("08006")] // connection failure
    public void A_server_that_goes_away_or_refuses_connections_is_unavailable(string sqlState) =>
        Assert.True(DatabaseErrors.IsUnavailable(new InvalidOperationException("wrapped", Postgres(sqlState))));

    [Theory]
    [InlineData("40P01")] // deadlock
    [InlineData("40001")] // serialization failure
    [InlineData("53100")] // disk full
    [InlineData("23505")] // unique violation
    [InlineData("57014")] // query cancelled (a statement timeout)
    public void A_query_that_fails_is_not_an_outage(string sqlState) =>
        Assert.False(DatabaseErrors.IsUnavailable(Postgres(sqlState)));

    [Fact]
    public void Refused_or_broken_connections_are_unavailable_and_a_socket_error_elsewhere_is_not()
    {
        Assert.True(DatabaseErrors.IsUnavailable(new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111))));
        Assert.True(DatabaseErrors.IsUnavailable(new NpgsqlException("Exception while reading from stream", new IOException("reset"))));
        Assert.True(DatabaseErrors.IsUnavailable(new NpgsqlException("The connection pool has been exhausted", new TimeoutException())));
        Assert.False(DatabaseErrors.IsUnavailable(new HttpRequestException("upstream", new System.Net.Sockets.SocketException(111))));
        Assert.False(DatabaseErrors.IsUnavailable(new InvalidOperationException("a bug")));
    }

    private static PostgresException Postgres(string sqlState) => new("message", "ERROR", "ERROR", sqlState);
}
