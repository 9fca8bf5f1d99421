namespace KeyPortal.IdP.Sessions;

internal static class ClientAddress
{
    /// <summary>The client's address as recorded (audit rows, sessions).</summary>
    public static string? Of(HttpContext http) => http.Connection.RemoteIpAddress?.ToString();

    /// <summary>
    /// The client as rate limits count it: an IPv4 address, or the /64 network of an IPv6 one
    /// (one subscriber usually holds a whole /64, so single IPv6 addresses would be free buckets).
    /// </summary>
    public static string ThrottleKey(HttpContext http) => ThrottleKey(http.Connection.RemoteIpAddress);

    public static string ThrottleKey(System.Net.IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }
}
