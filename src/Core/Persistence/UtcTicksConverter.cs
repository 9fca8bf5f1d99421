using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace KeyPortal.Core.Persistence;

/// <summary>Stores a <see cref="DateTimeOffset"/> as UTC ticks; reads it back with offset zero.</summary>
public sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
    value => value.UtcTicks,
    ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
