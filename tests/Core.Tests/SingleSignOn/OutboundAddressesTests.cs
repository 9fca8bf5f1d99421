using System.Net;
using System.Net.Sockets;
using KeyPortal.Core.SingleSignOn;

namespace KeyPortal.Core.Tests.SingleSignOn;

/// <summary>An address an Owner types in never makes the servers reach their own network.</summary>
public sealed class OutboundAddressesTests
{
    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("8.8.8.8", true)]
    [InlineData("2001:4860:4860::8888", true)]
    public void Only_public_addresses_are_public(string address, bool isPublic) =>
        Assert.Equal(isPublic, OutboundAddresses.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public async Task A_request_to_a_loopback_server_is_refused_before_it_connects_unless_private_networks_are_allowed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = new Uri($"http://localhost:{((IPEndPoint)listener.LocalEndpoint).Port}/metadata");

        using (var refused = new HttpClient(OutboundAddresses.Handler(allowPrivate: false)))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => refused.GetAsync(url));
        }

        Assert.False(listener.Pending());
        using var allowed = new HttpClient(OutboundAddresses.Handler(allowPrivate: true)) { Timeout = TimeSpan.FromSeconds(30) };
        var pending = allowed.GetAsync(url);
        using var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(accepted.Connected);
        allowed.CancelPendingRequests();
        await Assert.ThrowsAnyAsync<Exception>(() => pending);
    }
}
