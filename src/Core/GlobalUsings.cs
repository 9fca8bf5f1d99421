global using KeyPortal.Core.Auditing;
global using KeyPortal.Core.Errors;
global using KeyPortal.Core.Memberships;
global using KeyPortal.Core.Organizations;
global using KeyPortal.Core.Persistence;
global using KeyPortal.Core.Users;
global using Microsoft.EntityFrameworkCore;
global using KeyPortal.Core.Sessions;
