namespace KeyPortal.Core.Tests.Users;

public sealed class EmailAddressTests
{
    public static TheoryData<string> ValidAddresses() =>
    [
        "ann@example.com",
        "Ann.Smith@Example.COM",
        "ann+portal@mail.example.co.uk",
        "a.b-c_d@sub-domain.example.org",
        "o'brien@example.ie",
        LongAddress(EmailAddress.MaxLength),
    ];

    public static TheoryData<string?> InvalidAddresses() =>
    [
        null,
        "",
        "   ",
        "ann",
        "@example.com",
        "ann@",
        "ann@@example.com",
        "ann@bob@example.com",
        // Display names and angle brackets: a user name is a bare address.
        "Ann Smith <ann@example.com>",
        "\"Ann\"<ann@example.com>",
        "<ann@example.com>",
        // Comments are dropped by MailAddress, so the address would not round-trip.
        "ann(work)@example.com",
        // Spaces anywhere inside.
        "ann smith@example.com",
        "ann@exa mple.com",
        "ann@example.com bob@example.com",
        "ann@\u00a0example.com",
        // No dot, or dots in the wrong places, in the domain.
        "ann@localhost",
        "ann@example",
        "ann@.example.com",
        "ann@example.com.",
        "ann@example..com",
        // IP literals are not organization mail domains.
        "ann@[192.168.0.1]",
        // Control characters, including header injection.
        "ann@example.com\r\nBcc: eve@example.com",
        "ann\u0000@example.com",
        "ann@exam\u0007ple.com",
        "ann\t@example.com",
        // One character over RFC 5321's limit.
        LongAddress(EmailAddress.MaxLength + 1),
        LongAddress(1000),
    ];

    [Theory]
    [MemberData(nameof(ValidAddresses))]
    public void TryParse_ValidAddress_ReturnsItUnchanged(string input)
    {
        Assert.True(EmailAddress.TryParse(input, out var address));
        Assert.Equal(input, address);
    }

    [Theory]
    [InlineData("  ann@example.com  ")]
    [InlineData("\tann@example.com\n")]
    public void TryParse_SurroundingWhitespace_IsTrimmed(string input)
    {
        Assert.True(EmailAddress.TryParse(input, out var address));
        Assert.Equal("ann@example.com", address);
    }

    [Theory]
    [MemberData(nameof(InvalidAddresses))]
    public void TryParse_InvalidAddress_ReturnsFalse(string? input)
    {
        Assert.False(EmailAddress.TryParse(input, out _));
    }

    [Theory]
    [MemberData(nameof(InvalidAddresses))]
    public void Parse_InvalidAddress_ThrowsEmailInvalid(string? input)
    {
        DomainAssert.Refused("email.invalid", () => EmailAddress.Parse(input));
    }

    [Fact]
    public void Parse_ValidAddress_ReturnsTrimmedAddress()
    {
        Assert.Equal("ann@example.com", EmailAddress.Parse(" ann@example.com "));
    }

    [Fact]
    public void LongAddress_BuildsTheRequestedLength()
    {
        Assert.Equal(EmailAddress.MaxLength, LongAddress(EmailAddress.MaxLength).Length);
        Assert.Equal(300, LongAddress(300).Length);
    }

    /// <summary>A syntactically valid address of exactly <paramref name="length"/> characters (local part 64, labels of at most 63).</summary>
    private static string LongAddress(int length)
    {
        const string Local = "ann.smith.with.a.very.long.local.part.for.length.tests.0123456";
        const string Tld = ".com";
        var domainLength = length - Local.Length - 1 - Tld.Length;
        var labels = new List<string>();
        while (domainLength > 0)
        {
            var label = Math.Min(domainLength, 63);
            // A label may not be followed by a dangling dot: keep the last label at least one character.
            if (domainLength - label == 1)
            {
                label--;
            }

            labels.Add(new string('d', label));
            domainLength -= label + (domainLength - label > 0 ? 1 : 0);
        }

        return $"{Local}@{string.Join('.', labels)}{Tld}";
    }
}
