namespace KeyPortal.Core.Delivery;

/// <summary>The recipient and address of a shipment request, as entered.</summary>
public sealed record ShippingAddress(string RecipientName, string Email, string Phone, string Street, string City, string? Region, string PostalCode, string Country);

/// <summary>
/// One problem with one field (<see cref="Field"/> is the camelCase property name). An
/// <see cref="Overridable"/> problem may be kept by an Owner or Admin with a recorded reason: a
/// courier can still deliver to a postal code or phone number our rules do not know.
/// </summary>
public sealed record AddressProblem(string Field, string Message, bool Overridable);
