global using KeyPortal.Core.Persistence;
global using KeyPortal.Core.Users;
global using Microsoft.EntityFrameworkCore;
global using KeyPortal.Core.Memberships;
